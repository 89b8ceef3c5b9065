"""The authorization matrix, generated from the schema: every query, mutation and subscription that
takes an id is called by a second user with the first user's ids, and anonymously. Each must answer
NOT_FOUND (or, for optional id filters, show nothing of the first user's) and UNAUTHENTICATED, and
change nothing: row counts of every table and the vector index are the same before and after. A new
operation that takes an id is covered the moment it is in the schema; one whose id this test cannot
place fails it, so its owner check gets looked at."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    get_named_type,
)
from sqlalchemy import func, select
from starlette.applications import Starlette

from graph.server.app import create_app
from storage.models import metadata
from tests.support.client import GraphQL
from tests.support.improvements import collect
from tests.support.operations import PROFILE_IDS, SUBMIT, submit
from tests.support.people import register, subjects
from tests.support.schema import SCHEMA, literal
from tests.support.schema import takes_id as _takes_id
from tests.support.servers import live_server
from tests.support.settings import make_settings
from tests.support.texts import LETTER
from tests.support.uploads import upload_sample
from tests.support.websockets import socket


def operations(schema: GraphQLSchema) -> list[tuple[str, str, GraphQLField]]:
    found = []
    for root in ("Query", "Mutation", "Subscription"):
        for name, field in schema.get_type(root).fields.items():  # type: ignore[union-attr]
            if any(_takes_id(arg.type) for arg in field.args.values()):
                found.append((root, name, field))
    return found


def operation(root: str, name: str, field: GraphQLField, ids: dict[str, str]) -> tuple[str, bool]:
    """The operation text, and whether its ids are all optional filters (a list that must come back empty)."""
    args = []
    only_filters = True
    for arg_name, arg in field.args.items():
        takes_id = _takes_id(arg.type)
        if takes_id and isinstance(arg.type, GraphQLNonNull):
            only_filters = False
        if not takes_id and (not isinstance(arg.type, GraphQLNonNull) or arg.default_value is not Undefined):
            continue
        value = literal(arg.type, arg_name, name, ids, required_only=not takes_id)
        if value is not None:
            args.append(f"{arg_name}: {value}")
    returned = get_named_type(field.type)
    selection = ""
    if isinstance(returned, GraphQLObjectType):
        selection = "{ totalCount }" if "totalCount" in returned.fields else "{ __typename }"
    keyword = {"Query": "query", "Mutation": "mutation", "Subscription": "subscription"}[root]
    return f"{keyword} {{ {name}({', '.join(args)}) {selection} }}", only_filters


async def snapshot(app: Starlette) -> dict[str, int]:
    """Rows in every table and vectors in every collection."""
    services = app.state.services
    await services.indexer.drain()
    counts: dict[str, int] = {}
    async with services.sessions() as session:
        for table in metadata.sorted_tables:
            counts[table.name] = int(await session.scalar(select(func.count()).select_from(table)) or 0)
    index = services.indexer.index
    for name in sorted(await index.collection_names()):
        counts[f"vectors:{name}"] = await index.count(name)
    return counts


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors") or []]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_no_id_of_one_user_reaches_another_or_anyone_anonymous(tmp_path: Path, database_url: str) -> None:
    app = create_app(make_settings(tmp_path, database_url))
    async with live_server(app) as address, httpx.AsyncClient(base_url=f"http://{address}", timeout=120) as client:
        gql = GraphQL(client)
        maya, job_id, subject_ids = await subjects(gql)
        sample = await upload_sample(maya, LETTER.encode())
        feedback = (await maya(SUBMIT, submit("GENERATION", subject_ids["GENERATION"], 4)))["data"]
        assert feedback["submitFeedback"]["id"]
        profile = (await maya(PROFILE_IDS))["data"]["profile"]
        resumes = (await maya("{ resumes { edges { node { id } } } }"))["data"]["resumes"]["edges"]
        ids = {
            "job": job_id,
            "resume": resumes[0]["node"]["id"],
            "sample": sample["data"]["uploadSample"]["id"],
            "generation": subject_ids["GENERATION"],
            "experience": profile["experiences"][0]["id"],
            "project": profile["projects"][0]["id"],
            "skill": profile["skills"][0]["id"],
            "education": profile["education"][0]["id"],
            "certification": profile["certifications"][0]["id"],
        }
        eve = gql.as_user((await register(gql, "eve@example.com"))["token"])
        before = await snapshot(app)

        checked = []
        for root, name, field in operations(SCHEMA):
            text, only_filters = operation(root, name, field, ids)
            if root == "Subscription":
                for token, expected in ((eve.token, "NOT_FOUND"), (None, "UNAUTHENTICATED")):
                    async with socket(address, token) as ws:
                        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": text}}))
                        events, errors = await collect(ws)
                    assert events == [] and [e["extensions"]["code"] for e in errors] == [expected], (text, errors)
                checked.append(name)
                continue
            as_eve = await eve(text)
            if only_filters:  # e.g. analyses(jobId: <Maya's>): answered, with nothing of Maya's in it
                assert codes(as_eve) == [] and as_eve["data"][name]["totalCount"] == 0, (text, as_eve)
            else:
                assert codes(as_eve) == ["NOT_FOUND"], (text, as_eve)
            assert codes(await gql(text)) == ["UNAUTHENTICATED"], text
            checked.append(name)

        # The download routes, as Eve and as nobody.
        download = f"/generations/{ids['generation']}.txt"
        assert (await client.get(download, headers={"Authorization": f"Bearer {eve.token}"})).status_code == 404
        assert (await client.get(download)).status_code == 401
        exported = await client.get("/feedback/export.csv", headers={"Authorization": f"Bearer {eve.token}"})
        assert exported.status_code == 200 and len(exported.text.strip().splitlines()) == 1  # the header alone
        assert (await client.get("/feedback/export.jsonl")).status_code == 401

        assert await snapshot(app) == before  # nothing changed anywhere
        # Maya still sees all of it.
        assert (await maya(f'{{ job(id: "{ids["job"]}") {{ id }} }}'))["data"]["job"]["id"] == ids["job"]
    assert len(checked) >= 40 and {"deleteJob", "improveResume", "submitFeedback", "match"} <= set(checked)
