"""Every list that grows is a Relay connection: walked forward with first/after and backward with
last/before over the same rows, with pageInfo right at both ends, on SQLite and PostgreSQL.

One of each subject is made through the API; the rest are copies written to the database, with
timestamps set so that two rows tie (the id breaks the tie)."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import inspect, select
from starlette.applications import Starlette

from storage.analyses import Analysis
from storage.db import Base, transaction
from storage.feedback import Feedback
from storage.generations import Generation
from storage.improvements import Improvement
from storage.jobs import Job
from storage.resumes import Resume
from storage.samples import Sample
from tests.support.client import GraphQL
from tests.support.operations import SUBMIT, submit
from tests.support.people import register, subjects
from tests.support.texts import LETTER
from tests.support.uploads import upload_sample

ROWS = 5
PAGE = 2
# list field → (table, the column it is ordered by, newest first)
LISTS: dict[str, tuple[type[Base], str]] = {
    "jobs": (Job, "created_at"),
    "resumes": (Resume, "created_at"),
    "generations": (Generation, "created_at"),
    "analyses": (Analysis, "created_at"),
    "improvements": (Improvement, "updated_at"),
    "feedback": (Feedback, "created_at"),
    "samples": (Sample, "created_at"),
}
BASE = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SECONDS = [0, 60, 60, 120, 180, 240, 300, 360]  # a tie at 60: the id decides


def query(name: str) -> str:
    return f"""query ($first: Int, $after: String, $last: Int, $before: String) {{
  {name}(first: $first, after: $after, last: $last, before: $before) {{
    totalCount pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
    edges {{ cursor node {{ id }} }} }} }}"""


def copy(row: Any, **changes: Any) -> Any:
    """A new row like `row` (a new id), with `changes`."""
    values = {attr.key: getattr(row, attr.key) for attr in inspect(type(row)).column_attrs if attr.key != "id"}
    return type(row)(**{**values, **changes})


async def seed(app: Starlette, user_id: str) -> dict[str, list[str]]:
    """`ROWS` rows of the user's in each list, and each list's ids newest first."""
    order: dict[str, list[str]] = {}
    async with transaction(app.state.services.sessions) as session:
        for name, (table, column) in LISTS.items():
            model: Any = table
            rows = list(await session.scalars(select(model).where(model.user_id == user_id)))
            assert rows, name
            other_resumes = [r for r in order.get("resumes", []) if r != getattr(rows[0], "resume_id", None)]
            for n in range(ROWS - len(rows)):
                changes: dict[str, Any] = {}
                if table is Resume:
                    changes["content_hash"] = secrets.token_hex(32)
                if table is Sample:
                    changes["is_active"] = False
                if table is Improvement:  # one improvement a (resume, job) pair
                    changes["resume_id"] = other_resumes[n]
                session.add(copy(rows[0], **changes))
            await session.flush()
            rows = list(await session.scalars(select(model).where(model.user_id == user_id)))
            for row, seconds in zip(rows, SECONDS, strict=False):
                setattr(row, column, BASE + timedelta(seconds=seconds))
            await session.flush()
            ranked = sorted(rows, key=lambda row: (getattr(row, column), row.id), reverse=True)
            order[name] = [row.id for row in ranked]
    return order


async def walk(gql: GraphQL, name: str, backward: bool) -> list[dict[str, Any]]:
    """Every page of the list, following the cursors one way from its end."""
    pages: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        variables = {"last": PAGE, "before": cursor} if backward else {"first": PAGE, "after": cursor}
        body = await gql(query(name), variables)
        assert "errors" not in body, body
        page = body["data"][name]
        pages.append(page)
        info = page["pageInfo"]
        more = info["hasPreviousPage"] if backward else info["hasNextPage"]
        if not more:
            return pages
        assert len(pages) <= ROWS
        cursor = info["startCursor"] if backward else info["endCursor"]


def ids(page: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in page["edges"]]


async def test_each_list_walks_forward_and_backward_over_the_same_rows(gql: GraphQL, app: Starlette) -> None:
    maya, _, subject_ids = await subjects(gql)
    assert "errors" not in await upload_sample(maya, LETTER.encode())
    assert "errors" not in await maya(SUBMIT, submit("GENERATION", subject_ids["GENERATION"], 4))
    me = (await maya("{ me { id } }"))["data"]["me"]["id"]
    order = await seed(app, me)
    bob = gql.as_user((await register(gql, "bob@example.com"))["token"])

    for name, expected in order.items():
        forward = await walk(maya, name, backward=False)
        backward = await walk(maya, name, backward=True)
        assert [i for page in forward for i in ids(page)] == expected, name
        assert [i for page in backward for i in reversed(ids(page))] == expected[::-1], name  # the other way round
        assert [len(page["edges"]) for page in forward] == [2, 2, 1]
        assert [len(page["edges"]) for page in backward] == [2, 2, 1]  # the oldest two first, in list order
        for page in forward + backward:
            assert page["totalCount"] == ROWS, name
            edges, info = page["edges"], page["pageInfo"]
            assert (info["startCursor"], info["endCursor"]) == (edges[0]["cursor"], edges[-1]["cursor"]), name
        # Forward, hasPreviousPage is false; backward, hasNextPage is false (the cheap answers the spec allows).
        assert [p["pageInfo"]["hasNextPage"] for p in forward] == [True, True, False], name
        assert [p["pageInfo"]["hasPreviousPage"] for p in forward] == [False, False, False], name
        assert [p["pageInfo"]["hasPreviousPage"] for p in backward] == [True, True, False], name
        assert [p["pageInfo"]["hasNextPage"] for p in backward] == [False, False, False], name
        assert ids(backward[0]) == expected[-PAGE:] and ids(backward[-1]) == expected[:1], name

        # A cursor from one direction bounds the other: the rows ahead of the fourth, and those past the first.
        fourth = forward[1]["edges"][1]["cursor"]
        ahead = (await maya(query(name), {"last": 10, "before": fourth}))["data"][name]
        assert ids(ahead) == expected[:3] and ahead["pageInfo"]["hasPreviousPage"] is False, name
        first = backward[-1]["edges"][0]["cursor"]
        past = (await maya(query(name), {"first": 10, "after": first}))["data"][name]
        assert ids(past) == expected[1:] and past["pageInfo"]["hasNextPage"] is False, name
        between = (await maya(query(name), {"first": 10, "after": first, "before": fourth}))["data"][name]
        assert ids(between) == expected[1:3], name

        empty = (await bob(query(name), {"last": PAGE}))["data"][name]
        assert empty == {
            "totalCount": 0,
            "pageInfo": {"hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None},
            "edges": [],
        }, name


def forged(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize("name", sorted(LISTS))
async def test_bad_windows_are_refused_naming_the_argument(gql: GraphQL, name: str) -> None:
    ada = gql.as_user((await register(gql))["token"])
    real_looking = forged(f"{BASE.isoformat()}|not-a-uuid")
    for variables, field in (
        ({"first": 2, "last": 2}, "last"),
        ({"last": 0}, "last"),
        ({"last": 101}, "last"),
        ({"first": 0}, "first"),
        ({"last": 2, "before": "bm9wZQ=="}, "before"),
        ({"last": 2, "before": real_looking}, "before"),
        ({"first": 2, "before": "%%%"}, "before"),
        ({"first": 2, "after": real_looking}, "after"),
    ):
        body = await ada(query(name), variables)
        errors = body.get("errors") or []
        assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"], (name, variables, body)
        assert errors[0]["extensions"]["field"] == field, (name, variables)
    default = (await ada(query(name)))["data"][name]  # neither first nor last: the first 20
    assert default["totalCount"] == 0 and default["edges"] == []
