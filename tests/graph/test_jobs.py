"""Jobs through the API, on SQLite and PostgreSQL, with two users and an admin."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from storage.jobs import Job
from tests.support.client import GraphQL, error_codes
from tests.support.people import register

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "jobs"
BACKEND = (FIXTURES / "senior_backend_python.txt").read_text()
FRONTEND = (FIXTURES / "frontend_react.txt").read_text()
DATA = (FIXTURES / "data_engineer.txt").read_text()

FIELDS = "id title company location level yearsRequired skills requirements niceToHaves visibility isMine url"
CREATE = f"mutation ($input: CreateJobInput!) {{ createJob(input: $input) {{ {FIELDS} keywords {{ term weight }} }} }}"
UPDATE = f"mutation ($input: UpdateJobInput!) {{ updateJob(input: $input) {{ {FIELDS} }} }}"
DELETE = "mutation ($id: ID!) { deleteJob(id: $id) }"
GET = f"query ($id: ID!) {{ job(id: $id) {{ {FIELDS} }} }}"
LIST = """query ($first: Int, $after: String, $search: String, $visibility: JobVisibility) {
  jobs(first: $first, after: $after, search: $search, visibility: $visibility) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id title company isMine } }
  }
}"""


async def count_jobs(app: Any) -> int:
    async with app.state.services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Job)))


async def create(gql: GraphQL, raw_text: str, **fields: Any) -> dict[str, Any]:
    body = await gql(CREATE, {"input": {"rawText": raw_text, **fields}})
    assert "errors" not in body, body
    job: dict[str, Any] = body["data"]["createJob"]
    return job


async def users(gql: GraphQL) -> tuple[GraphQL, GraphQL]:
    ada = gql.as_user((await register(gql, "ada@example.com"))["token"])
    bob = gql.as_user((await register(gql, "bob@example.com"))["token"])
    return ada, bob


async def test_create_parses_the_posting(gql: GraphQL) -> None:
    ada, _ = await users(gql)
    job = await create(ada, BACKEND)
    assert (job["title"], job["company"], job["location"]) == (
        "Senior Backend Engineer (Python)",
        "Harbor Health",
        "Seattle, WA (hybrid)",
    )
    assert (job["level"], job["yearsRequired"], job["visibility"], job["isMine"]) == ("SENIOR", 5, "PRIVATE", True)
    assert {"Python", "PostgreSQL", "Kubernetes"} <= set(job["skills"])
    assert all(0 < k["weight"] <= 1 for k in job["keywords"])
    assert job["niceToHaves"] == ["GraphQL (Strawberry or Graphene)", "HIPAA or healthcare experience"]


async def test_explicit_fields_win_and_keep_winning(gql: GraphQL) -> None:
    ada, _ = await users(gql)
    job = await create(ada, BACKEND, title="  Backend Engineer II ", url="https://harbor.example/jobs/1")
    assert job["title"] == "Backend Engineer II" and job["url"] == "https://harbor.example/jobs/1"
    updated = (await ada(UPDATE, {"input": {"id": job["id"], "rawText": FRONTEND}}))["data"]["updateJob"]
    assert updated["title"] == "Backend Engineer II"  # still the person's title
    assert updated["company"] == "Pinecrest Bank"  # parsed again from the new text
    assert "React" in updated["skills"] and "Kubernetes" not in updated["skills"]


async def test_bad_input_names_the_field_and_writes_nothing(gql: GraphQL, app: Any) -> None:
    ada, _ = await users(gql)
    cases = [
        ({"rawText": "   "}, "BAD_USER_INPUT", "rawText"),
        ({"rawText": "x" * 50_001}, "BAD_USER_INPUT", "rawText"),
        ({"rawText": BACKEND, "url": "javascript:alert(1)"}, "BAD_USER_INPUT", "url"),
        ({"rawText": BACKEND, "url": "not a url"}, "BAD_USER_INPUT", "url"),
        ({"rawText": BACKEND, "title": "t" * 201}, "BAD_USER_INPUT", "title"),
        ({"rawText": BACKEND, "company": "a\x00b"}, "BAD_USER_INPUT", "company"),
        ({"rawText": BACKEND, "visibility": "PUBLIC"}, "BAD_USER_INPUT", "visibility"),
        ({"rawText": "lorem ipsum dolor sit amet. consectetur adipiscing."}, "JOB_PARSING_FAILED", "rawText"),
    ]
    for fields, code, field in cases:
        body = await ada(CREATE, {"input": fields})
        assert error_codes(body) == [code], fields
        assert body["errors"][0]["extensions"]["field"] == field
    assert "could not find a job title" in (await ada(CREATE, {"input": cases[-1][0]}))["errors"][0]["message"]
    assert await count_jobs(app) == 0


async def test_update_rejects_bad_input_and_keeps_the_job(gql: GraphQL) -> None:
    ada, _ = await users(gql)
    job = await create(ada, BACKEND)
    for fields, code in [({"rawText": "lorem ipsum."}, "JOB_PARSING_FAILED"), ({"url": "ftp://x"}, "BAD_USER_INPUT")]:
        body = await ada(UPDATE, {"input": {"id": job["id"], **fields}})
        assert error_codes(body) == [code]
    unchanged = {key: value for key, value in job.items() if key != "keywords"}
    assert (await ada(GET, {"id": job["id"]}))["data"]["job"] == unchanged


async def test_another_users_job_is_not_found_and_untouched(gql: GraphQL) -> None:
    ada, bob = await users(gql)
    job = await create(ada, BACKEND)
    for query, variables in [
        (GET, {"id": job["id"]}),
        (UPDATE, {"input": {"id": job["id"], "title": "Mine now"}}),
        (DELETE, {"id": job["id"]}),
    ]:
        body = await bob(query, variables)
        assert error_codes(body) == ["NOT_FOUND"]
    assert (await bob(LIST, {}))["data"]["jobs"]["totalCount"] == 0
    assert (await ada(GET, {"id": job["id"]}))["data"]["job"]["title"] == job["title"]
    assert error_codes(await bob(GET, {"id": "00000000-0000-0000-0000-000000000000"})) == ["NOT_FOUND"]


async def test_anonymous_callers_are_unauthenticated(gql: GraphQL) -> None:
    for query, variables in [(LIST, {}), (GET, {"id": "x"}), (CREATE, {"input": {"rawText": BACKEND}})]:
        assert error_codes(await gql(query, variables)) == ["UNAUTHENTICATED"]


async def test_public_board(gql: GraphQL, app: Any) -> None:
    ada, bob = await users(gql)
    await app.state.services.accounts.set_role("ada@example.com", "ADMIN")
    public = await create(ada, DATA, visibility="PUBLIC")
    own = await create(bob, FRONTEND)

    seen = await bob(GET, {"id": public["id"]})
    assert seen["data"]["job"]["visibility"] == "PUBLIC" and seen["data"]["job"]["isMine"] is False
    assert error_codes(await bob(UPDATE, {"input": {"id": public["id"], "title": "x"}})) == ["NOT_FOUND"]
    assert error_codes(await bob(DELETE, {"id": public["id"]})) == ["NOT_FOUND"]

    def ids(body: dict[str, Any]) -> set[str]:
        return {edge["node"]["id"] for edge in body["data"]["jobs"]["edges"]}

    assert ids(await bob(LIST, {})) == {public["id"], own["id"]}
    assert ids(await bob(LIST, {"visibility": "PUBLIC"})) == {public["id"]}
    assert ids(await bob(LIST, {"visibility": "PRIVATE"})) == {own["id"]}
    assert ids(await ada(LIST, {"visibility": "PRIVATE"})) == set()

    edited = await ada(UPDATE, {"input": {"id": public["id"], "company": "Acme Corp"}})
    assert edited["data"]["updateJob"]["company"] == "Acme Corp"


async def test_pagination_and_search(gql: GraphQL) -> None:
    ada, _ = await users(gql)
    created = [await create(ada, text, company=f"Company {i}") for i, text in enumerate([BACKEND, FRONTEND, DATA] * 2)]
    seen: list[str] = []
    after = None
    while True:
        page = (await ada(LIST, {"first": 4, "after": after}))["data"]["jobs"]
        assert page["totalCount"] == 6
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [job["id"] for job in reversed(created)]  # newest first, each once

    frontend = (await ada(LIST, {"search": "FRONTEND engineer"}))["data"]["jobs"]
    assert frontend["totalCount"] == 2 and {e["node"]["title"] for e in frontend["edges"]} == {
        "Frontend Engineer, Growth"
    }
    assert (await ada(LIST, {"search": "company 4"}))["data"]["jobs"]["totalCount"] == 1
    assert (await ada(LIST, {"search": "%"}))["data"]["jobs"]["totalCount"] == 0  # literal, not a wildcard

    for variables, field in [({"first": 0}, "first"), ({"first": 101}, "first"), ({"after": "garbage!"}, "after")]:
        body = await ada(LIST, variables)
        assert error_codes(body) == ["BAD_USER_INPUT"] and body["errors"][0]["extensions"]["field"] == field


async def test_delete(gql: GraphQL, app: Any) -> None:
    ada, _ = await users(gql)
    job = await create(ada, BACKEND)
    assert (await ada(DELETE, {"id": job["id"]}))["data"]["deleteJob"] == job["id"]
    assert error_codes(await ada(GET, {"id": job["id"]})) == ["NOT_FOUND"]
    assert error_codes(await ada(DELETE, {"id": job["id"]})) == ["NOT_FOUND"]
    assert await count_jobs(app) == 0


IMPORT = """mutation ($file: Upload!) {
  importJobs(file: $file) { imported errors { line code message } jobs { id title visibility } }
}"""


async def upload(gql: GraphQL, content: bytes, *, preflight: bool = True) -> Any:
    return await gql.upload(IMPORT, {}, content, "jobs.jsonl", preflight=preflight)


def jsonl(*records: Any) -> bytes:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records).encode()


async def test_admin_imports_public_jobs_line_by_line(gql: GraphQL, app: Any) -> None:
    ada, bob = await users(gql)
    await app.state.services.accounts.set_role("ada@example.com", "ADMIN")
    content = jsonl(
        {"rawText": BACKEND},
        "{not json",
        {"title": "No text"},
        {"rawText": FRONTEND, "company": "Pinecrest"},
        {"rawText": "lorem ipsum dolor sit amet."},
        "",
        {"rawText": DATA, "url": "nope"},
        {"rawText": DATA, "salary": "lots"},
        [1, 2],
        {"rawText": DATA},
    )
    body = (await upload(ada, content)).json()
    assert "errors" not in body, body
    result = body["data"]["importJobs"]
    assert result["imported"] == 3
    assert [(e["line"], e["code"]) for e in result["errors"]] == [
        (2, "BAD_USER_INPUT"),
        (3, "BAD_USER_INPUT"),
        (5, "JOB_PARSING_FAILED"),
        (7, "BAD_USER_INPUT"),
        (8, "BAD_USER_INPUT"),
        (9, "BAD_USER_INPUT"),
    ]
    assert {job["visibility"] for job in result["jobs"]} == {"PUBLIC"}
    board = (await bob(LIST, {"visibility": "PUBLIC"}))["data"]["jobs"]
    assert board["totalCount"] == 3 and "Pinecrest" in {e["node"]["company"] for e in board["edges"]}


async def test_import_refusals(gql: GraphQL, app: Any, tmp_path: Path, database_url: str) -> None:
    ada, bob = await users(gql)
    await app.state.services.accounts.set_role("ada@example.com", "ADMIN")
    refused = (await upload(bob, jsonl({"rawText": BACKEND}))).json()
    assert error_codes(refused) == ["PRECONDITION_FAILED"]
    no_header = await upload(ada, jsonl({"rawText": BACKEND}), preflight=False)
    assert no_header.status_code == 400 and error_codes(no_header.json()) == ["BAD_USER_INPUT"]
    assert error_codes((await upload(ada, b"\xff\xfe bad")).json()) == ["UNPROCESSABLE_DOCUMENT"]
    assert error_codes((await upload(ada, b"\n \n")).json()) == ["BAD_USER_INPUT"]
    assert await count_jobs(app) == 0

    from graph.server.app import create_app
    from tests.support.servers import http_client, running
    from tests.support.settings import make_settings

    small = make_settings(tmp_path, database_url, max_upload_bytes=2048)
    async with running(create_app(small)) as small_app, http_client(small_app) as client:
        body = (await upload(GraphQL(client, ada.token), jsonl({"rawText": BACKEND}) * 3)).json()
        assert error_codes(body) == ["PAYLOAD_TOO_LARGE"]


async def test_odd_ids_and_forged_cursors(gql: GraphQL) -> None:
    import base64

    ada, _ = await users(gql)
    await create(ada, BACKEND)
    for bad_id in ["not-a-uuid", "x\x00y", "00000000-0000-0000-0000-00000000000g", ""]:
        assert error_codes(await ada(GET, {"id": bad_id})) == ["NOT_FOUND"], repr(bad_id)
        assert error_codes(await ada(DELETE, {"id": bad_id})) == ["NOT_FOUND"], repr(bad_id)

    def cursor(text: str) -> str:
        return base64.urlsafe_b64encode(text.encode()).decode()

    uuid_ = "00000000-0000-4000-8000-000000000000"
    for forged in [
        cursor(f"2024-01-01T00:00:00|{uuid_}"),  # no time zone
        cursor(f"9999-12-31T23:00:00-05:00|{uuid_}"),  # past the last representable moment
        cursor("2024-01-01T00:00:00+00:00|x\x00"),
        cursor("2024-01-01T00:00:00+00:00|not-a-uuid"),
    ]:
        body = await ada(LIST, {"after": forged})
        assert error_codes(body) == ["BAD_USER_INPUT"], forged


async def test_an_admin_who_lost_the_role_no_longer_writes_the_board(gql: GraphQL, app: Any) -> None:
    ada, _ = await users(gql)
    await app.state.services.accounts.set_role("ada@example.com", "ADMIN")
    job = await create(ada, DATA, visibility="PUBLIC")
    await app.state.services.accounts.set_role("ada@example.com", "USER")
    assert error_codes(await ada(UPDATE, {"input": {"id": job["id"], "title": "Hacked"}})) == ["NOT_FOUND"]
    assert error_codes(await ada(DELETE, {"id": job["id"]})) == ["NOT_FOUND"]
    assert (await ada(GET, {"id": job["id"]}))["data"]["job"]["title"] == "Data Engineer"  # still readable


async def test_search_folds_case_beyond_ascii(gql: GraphQL) -> None:
    ada, _ = await users(gql)
    await create(ada, BACKEND, company="MÜNCHEN GmbH")
    for term in ["münchen", "MÜNCHEN", "gmbh"]:
        assert (await ada(LIST, {"search": term}))["data"]["jobs"]["totalCount"] == 1, term


async def test_update_clears_what_the_person_set(gql: GraphQL) -> None:
    ada, _ = await users(gql)
    job = await create(ada, BACKEND, title="My title", url="https://harbor.example/1")
    kept = (await ada(UPDATE, {"input": {"id": job["id"], "company": "Harbor"}}))["data"]["updateJob"]
    assert (kept["title"], kept["url"], kept["company"]) == ("My title", "https://harbor.example/1", "Harbor")
    cleared = (await ada(UPDATE, {"input": {"id": job["id"], "title": None, "url": ""}}))["data"]["updateJob"]
    assert cleared["title"] == "Senior Backend Engineer (Python)"  # back to the parsed title
    assert cleared["url"] is None and cleared["company"] == "Harbor"
