"""The stored-result codec: a dataclass survives the trip through JSON, and rows written before it
(camelCase keys, no version) still read."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any, ClassVar

import pytest

from storage.codec import VERSION_KEY, camel, decode, encode


class Kind(Enum):
    EXPERIENCE = "experience"
    PROJECT = "project"


@dataclass(frozen=True)
class Item:
    item_id: str
    kind: Kind
    score: float
    matched_terms: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Result:
    items: list[Item]
    keyword_counts: dict[str, int]
    best: Item | None
    as_of: date
    note: str | None = None


def test_a_result_survives_the_trip_through_json() -> None:
    value = Result(
        items=[Item("a", Kind.EXPERIENCE, 0.5, ["Epic", "Cerner"]), Item("b", Kind.PROJECT, 1)],
        keyword_counts={"JavaScript": 2, "Node.js": 1},  # keys are data: never re-cased
        best=Item("a", Kind.EXPERIENCE, 0.5),
        as_of=date(2026, 12, 2),
    )
    stored = json.loads(json.dumps(encode(value)))
    assert stored[VERSION_KEY] == 1 and stored["items"][0]["matched_terms"] == ["Epic", "Cerner"]
    assert stored["keyword_counts"] == {"JavaScript": 2, "Node.js": 1}
    assert decode(Result, stored) == value
    assert isinstance(decode(Result, stored).items[1].score, float)


def test_rows_written_before_the_codec_still_read() -> None:
    old = {
        "items": [{"itemId": "a", "kind": "project", "score": 1, "matchedTerms": ["Go"]}],
        "keywordCounts": {"goLive": 1},
        "best": None,
        "asOf": "2025-01-31",
    }
    read = decode(Result, old)
    assert read.items == [Item("a", Kind.PROJECT, 1.0, ["Go"])]
    assert read.keyword_counts == {"goLive": 1} and read.best is None and read.note is None


@dataclass(frozen=True)
class Renamed:
    VERSION: ClassVar[int] = 2
    total: int

    @classmethod
    def upgrade(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        if version < 2:
            data["total"] = data.pop("count")
        return data


def test_a_class_that_changed_shape_upgrades_older_objects() -> None:
    assert decode(Renamed, {"v": 1, "count": 3}) == Renamed(3)
    assert decode(Renamed, encode(Renamed(4))) == Renamed(4)
    assert encode(Renamed(4))[VERSION_KEY] == 2


def test_a_missing_required_field_or_a_wrong_shape_is_an_error() -> None:
    with pytest.raises(TypeError):
        decode(Item, {"kind": "project", "score": 1})
    with pytest.raises(TypeError):
        decode(Result, ["not", "an", "object"])


def test_camel_names() -> None:
    assert camel("content_used") == "contentUsed" and camel("summary") == "summary"
