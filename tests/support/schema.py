"""The committed schema, read once, and GraphQL literals made from it for any argument (the caller's ids
for ids, plausible values for the rest): the authorization matrix and the hostile-input tests generate
their operations from these."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    Undefined,
    build_schema,
    get_named_type,
)

SCHEMA = build_schema((Path(__file__).resolve().parents[2] / "schema.graphql").read_text())
KIND_IN_FIELD = re.compile(r"(job|resume|sample|generation|experience|project|skill|education|certification)", re.I)
KIND_OF_ARG = {"jobId": "job", "jobIds": "job", "resumeId": "resume", "sampleId": "sample", "subjectId": "generation"}
VALUES = {"startMonth": "2020-01", "endMonth": "2021-01", "issuedMonth": "2021-01", "rawText": "Title: Engineer\n- Go"}


def takes_id(type_: Any, depth: int = 0) -> bool:
    named = get_named_type(type_)
    if named.name == "ID":
        return True
    return (
        isinstance(named, GraphQLInputObjectType)
        and depth < 3
        and any(takes_id(f.type, depth + 1) for f in named.fields.values())
    )


def id_kind(field_name: str, arg_name: str) -> str:
    if arg_name in KIND_OF_ARG:
        return KIND_OF_ARG[arg_name]
    if arg_name in ("id", "ids"):
        match = KIND_IN_FIELD.search(field_name)
        if match:
            return match.group(1).lower()
    raise AssertionError(f"{field_name}: the matrix does not know what kind of id `{arg_name}` is; teach it")


def literal(type_: Any, name: str, field_name: str, ids: dict[str, str], *, required_only: bool = True) -> Any:
    """A GraphQL literal for an argument: the first user's id for ids, plausible values for the rest."""
    nullable = not isinstance(type_, GraphQLNonNull)
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if isinstance(inner, GraphQLList):
        item = literal(inner.of_type, name, field_name, ids, required_only=required_only)
        return None if item is None else f"[{item}]"
    named = get_named_type(inner)
    if named.name == "ID":
        return json.dumps(ids[id_kind(field_name, name)])
    if nullable and required_only:
        return None
    if isinstance(named, GraphQLInputObjectType):
        parts = []
        for key, sub in named.fields.items():
            needed = isinstance(sub.type, GraphQLNonNull) and sub.default_value is Undefined or takes_id(sub.type)
            if not needed:
                continue
            value = literal(sub.type, key, field_name, ids, required_only=False)
            if value is not None:
                parts.append(f"{key}: {value}")
        return "{" + ", ".join(parts) + "}"
    if isinstance(named, GraphQLEnumType):
        return next(iter(named.values))
    if name in VALUES:
        return json.dumps(VALUES[name])
    return {"String": '"Sample text"', "Int": "5", "Float": "3.5", "Boolean": "false"}.get(named.name, '"x"')
