"""The improvement pipeline through the API: subscriptions over a real websocket (graphql-transport-ws:
connection_init with a token → subscribe → next… → complete), the mutation over HTTP, the cache and
`analyzeAgain`, joining a run, leaving it, every failure code, and many subscribers on one process.
Processes killed mid-run and two processes sharing PostgreSQL and Redis are in test_improvement_processes."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from domain.ai.truthfulness import TruthChecker
from domain.skills import default_lexicon
from graph.server.app import create_app
from storage.db import create_engine, transaction, utcnow
from storage.improvements import ImprovementRun
from tests.support.client import GraphQL
from tests.support.improvements import MUTATE, RUN, STAGES, STORED, check_run, collect, subscribe
from tests.support.llm_stub import Model, groq_settings, groq_stub
from tests.support.operations import CREATE_JOB, UPLOAD
from tests.support.people import person
from tests.support.servers import live_server
from tests.support.settings import make_settings
from tests.support.texts import FIXTURES, JOB_TEXT, WEAK_RESUME
from tests.support.waiting import wait_until
from tests.support.websockets import socket

LIST = """query ($r: ID, $j: ID, $first: Int, $after: String) {
  improvements(resumeId: $r, jobId: $j, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id resumeId jobId updatedAt } } } }"""


# --- Helpers -------------------------------------------------------------------------------------------


def codes(errors: list[dict[str, Any]]) -> list[str]:
    return [e["extensions"]["code"] for e in errors]


def check_truthful(improvement: dict[str, Any]) -> None:
    """Every fact of the improved text is in the original; the missing skills were not slipped in."""
    checker = TruthChecker(default_lexicon())
    assert checker.check(improvement["improvedResumeText"], [WEAK_RESUME]) == []
    lowered = improvement["improvedResumeText"].lower()
    assert improvement["missingKeywords"] and not any(k.lower() in lowered for k in improvement["missingKeywords"])
    named = " ".join(s["text"] for s in improvement["suggestions"]).lower()
    assert all(keyword.lower() in named for keyword in improvement["missingKeywords"][:5])


# --- The journey ------------------------------------------------------------------------------------


async def test_fresh_cached_and_analyze_again_over_a_websocket(tmp_path: Path, database_url: str) -> None:
    async with live_server(create_app(make_settings(tmp_path, database_url))) as address:
        async with httpx.AsyncClient(base_url=f"http://{address}", timeout=60) as client:
            sam = await person(client)
            async with socket(address, sam.token) as ws:
                await subscribe(ws, sam.pair())
                events, errors = await collect(ws)
                assert errors == []
                first = check_run(events)
                check_truthful(first)
                assert first["resumeId"] == sam.resume_id and first["job"]["title"]
                assert 0 <= first["originalScore"] <= 100 and 0 <= first["improvedScore"] <= 100
                assert first["improvedAtsScore"] > first["originalAtsScore"]  # action verbs, no filler
                assert first["llmMetadata"]["provider"] == "local"
                experience = next(d for d in first["diff"] if d["section"] == "experience")
                assert experience["changed"] and "Experience" == experience["heading"]
                assert "- Built REST APIs in Python and Django for 30 customers." in experience["added"]
                assert "- Responsible for maintaining internal tools in Python." in experience["removed"]
                assert "Jan 2021 - Present" in experience["improved"]  # role lines kept as written
                education = next(d for d in first["diff"] if d["section"] == "education")
                assert not education["changed"] and education["added"] == education["removed"] == []
                skills = next(d for d in first["diff"] if d["section"] == "skills")
                assert sorted(skills["improved"].split(", ")) == sorted(skills["original"].split(", "))
                assert skills["improved"].startswith("Python")  # the job's skills lead

                # Cached: one COMPLETED event at once, the same improvement.
                await subscribe(ws, sam.pair(), op="2")
                cached, errors = await collect(ws, op="2")
                assert errors == [] and len(cached) == 1
                assert cached[0]["status"] == "COMPLETED" and cached[0]["cached"] and cached[0]["progress"] == 1.0
                assert cached[0]["runId"] is None and cached[0]["improvement"] == first

                # analyzeAgain: a new run replaces the stored improvement (same id, later updatedAt).
                await subscribe(ws, sam.pair(again=True), op="3")
                again, errors = await collect(ws, op="3")
                second = check_run(again)
                assert again[0]["runId"] != events[0]["runId"]
                assert second["id"] == first["id"] and second["createdAt"] == first["createdAt"]
                assert second["updatedAt"] > first["updatedAt"]

            stored = await sam.gql(STORED, sam.pair() | {"a": None})
            assert stored["data"]["improvement"] == second
            run = (await sam.gql(RUN, {"r": sam.resume_id, "j": sam.job_id}))["data"]["improvementRun"]
            assert run["id"] == again[0]["runId"] and run["status"] == "COMPLETED" and run["stage"] == "DONE"
            assert run["analyzeAgain"] and run["improvementId"] == first["id"] and run["finishedAt"]
            listed = (await sam.gql(LIST, {"r": sam.resume_id}))["data"]["improvements"]
            assert listed["totalCount"] == 1 and listed["edges"][0]["node"]["id"] == first["id"]


async def test_the_mutation_runs_to_completion_and_answers_from_the_cache(tmp_path: Path) -> None:
    async with live_server(create_app(make_settings(tmp_path))) as address:
        async with httpx.AsyncClient(base_url=f"http://{address}", timeout=60) as client:
            sam = await person(client)
            fresh = await sam.gql(MUTATE, sam.pair())
            assert "errors" not in fresh, fresh
            improvement = fresh["data"]["improveResume"]
            check_truthful(improvement)
            priorities = [s["priority"] for s in improvement["suggestions"]]
            assert priorities == sorted(priorities, key=["HIGH", "MEDIUM", "LOW"].index)
            cached = await sam.gql(MUTATE, sam.pair())
            assert cached["data"]["improveResume"] == improvement
            again = (await sam.gql(MUTATE, sam.pair(again=True)))["data"]["improveResume"]
            assert again["id"] == improvement["id"] and again["updatedAt"] > improvement["updatedAt"]
            # A second job makes a second improvement; the list filters and pages.
            other = (await sam.gql(CREATE_JOB, {"text": (FIXTURES / "jobs" / "data_engineer.txt").read_text()}))[
                "data"
            ]["createJob"]["id"]
            assert "errors" not in await sam.gql(MUTATE, {"r": sam.resume_id, "j": other})
            page = (await sam.gql(LIST, {"first": 1}))["data"]["improvements"]
            assert page["totalCount"] == 2 and page["pageInfo"]["hasNextPage"]
            assert page["edges"][0]["node"]["jobId"] == other  # most recently updated first
            rest = (await sam.gql(LIST, {"first": 1, "after": page["pageInfo"]["endCursor"]}))["data"]
            assert rest["improvements"]["edges"][0]["node"]["jobId"] == sam.job_id
            assert not rest["improvements"]["pageInfo"]["hasNextPage"]
            only = (await sam.gql(LIST, {"j": other}))["data"]["improvements"]
            assert only["totalCount"] == 1
            # Editing the job makes the stored improvement stale: the next call runs again.
            edited = await sam.gql(
                "mutation ($id: ID!, $t: String!) { updateJob(input: {id: $id, rawText: $t}) { id } }",
                {"id": sam.job_id, "t": JOB_TEXT + "\n- Experience with Celery"},
            )
            assert "errors" not in edited, edited
            rerun = (await sam.gql(MUTATE, sam.pair()))["data"]["improveResume"]
            assert rerun["updatedAt"] > again["updatedAt"]


async def test_with_groq_the_rewrite_loses_invented_claims(tmp_path: Path) -> None:
    model = Model()
    async with groq_stub(model) as base_url:
        app = create_app(make_settings(tmp_path, **groq_settings(base_url)))
        async with live_server(app) as address, httpx.AsyncClient(base_url=f"http://{address}", timeout=60) as client:
            sam = await person(client)
            body = await sam.gql(MUTATE, sam.pair())
            assert "errors" not in body, body
            improvement = body["data"]["improveResume"]
    assert (
        improvement["llmMetadata"]["provider"] == "groq" and improvement["llmMetadata"]["totalTokens"] == 18 * 3
    )  # suggestions, summary, experience
    text = improvement["improvedResumeText"]
    assert "Google" not in text and "50 engineers" not in text and "Kubernetes" not in text
    assert any("Google" in w or "50" in w for w in improvement["warnings"])
    assert any("Kubernetes" in w for w in improvement["warnings"])
    lines = text.splitlines()  # the rewrite keeps the resume's lines: role lines, dates, bullets
    assert "- Built REST APIs in Python and Django for 30 customers." in lines
    assert "Jan 2021 - Present" in lines and "Backend Developer | Quillstack | Denver, CO" in lines
    check_truthful(improvement)
    assert any(s["text"].startswith("Suggestion 0") for s in improvement["suggestions"])
    # Prompts carry the resume as delimited data, and one call asks for all the suggestions.
    assert sum("suggestions" in p for p in model.prompts) == 1 and all("<<<DATA" in p for p in model.prompts)


# --- Joining and leaving ----------------------------------------------------------------------------


async def test_callers_join_the_running_run_and_a_run_outlives_its_subscriber(tmp_path: Path) -> None:
    model = Model(hold=asyncio.Event())  # the run waits at its first model call until everyone has joined
    async with groq_stub(model) as base_url:
        app = create_app(make_settings(tmp_path, **groq_settings(base_url)))
        improvements = app.state.services.improvements
        async with live_server(app) as address, httpx.AsyncClient(base_url=f"http://{address}", timeout=60) as client:
            sam = await person(client)
            async with socket(address, sam.token) as first, socket(address, sam.token) as second:
                await subscribe(first, sam.pair())
                started, _ = await collect(first, until="SUGGEST")
                # A second subscriber (even one asking analyzeAgain) and a mutation join; none starts a run.
                await subscribe(second, sam.pair(again=True))
                mutation = asyncio.create_task(sam.gql(MUTATE, sam.pair(again=True)))
                for _ in range(1000):  # until both have joined (the mutation over HTTP has no event to wait on)
                    if improvements.activity()["subscribers"] == 3:
                        break
                    await asyncio.sleep(0.01)
                assert improvements.activity()["subscribers"] == 3
                assert improvements.activity()["runs"] == 1
                # The joiner's first event (the latest so far) arrives while the run is still held: counted
                # as a subscriber is not yet caught up, and releasing first would race its catch-up read.
                caught_up, _ = await collect(second, until="SUGGEST")
                model.hold.set()
                joined, errors = await collect(second)
                joined = caught_up + joined
                rest, _ = await collect(first)
            assert errors == []
            improvement = check_run(started + rest)
            assert joined[0]["runId"] == started[0]["runId"]
            assert joined[0]["stage"] in ("SUGGEST", "REWRITE")  # from the latest event on
            assert joined == (started + rest)[STAGES.index(joined[0]["stage"]) :]
            assert joined[0]["stage"] == "SUGGEST" and joined[0] == started[-1]
            joined_by_mutation = (await mutation)["data"]["improveResume"]
            assert joined_by_mutation["id"] == improvement["id"]
            assert joined_by_mutation["updatedAt"] == improvement["updatedAt"]
            assert sum("suggestions" in p for p in model.prompts) == 1  # one run, not three
            run = (await sam.gql(RUN, {"r": sam.resume_id, "j": sam.job_id}))["data"]["improvementRun"]
            assert run["id"] == started[0]["runId"]

            # Leave after the first event: the run goes on and its result is stored.
            async with socket(address, sam.token) as leaving:
                await subscribe(leaving, sam.pair(again=True))
                (left_at,), _ = await collect(leaving, until="LOAD")
            for _ in range(200):
                run = (await sam.gql(RUN, {"r": sam.resume_id, "j": sam.job_id}))["data"]["improvementRun"]
                if run["status"] != "RUNNING":
                    break
                await asyncio.sleep(0.05)
            assert run["id"] == left_at["runId"] and run["status"] == "COMPLETED"
            stored = (await sam.gql(STORED, {"r": sam.resume_id, "j": sam.job_id}))["data"]["improvement"]
            assert stored["updatedAt"] > improvement["updatedAt"]
            assert improvements.activity() == {"runs": 0, "subscribers": 0, "channels": 0}


# --- Failures ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_unknown_foreign_and_anonymous_subscriptions_are_rejected(tmp_path: Path, database_url: str) -> None:
    async with live_server(create_app(make_settings(tmp_path, database_url))) as address:
        async with httpx.AsyncClient(base_url=f"http://{address}", timeout=60) as client:
            sam = await person(client)
            eve = await person(client, "eve@example.com", resume=WEAK_RESUME.replace("Sam", "Eve"))
            missing = "00000000-0000-4000-8000-000000000000"
            async with socket(address, sam.token) as ws:
                for op, variables, field_name in [
                    ("1", {"r": missing, "j": sam.job_id}, "resumeId"),
                    ("2", {"r": sam.resume_id, "j": missing}, "jobId"),
                    ("3", {"r": eve.resume_id, "j": sam.job_id}, "resumeId"),  # another user's resume
                    ("4", {"r": sam.resume_id, "j": eve.job_id}, "jobId"),  # another user's private job
                    ("5", {"r": "not-an-id", "j": sam.job_id}, "resumeId"),
                ]:
                    await subscribe(ws, variables, op=op)
                    events, errors = await collect(ws, op=op)
                    assert events == [] and codes(errors) == ["NOT_FOUND"], (op, errors)
                    assert errors[0]["extensions"]["field"] == field_name
            async with socket(address, None) as anonymous:
                await subscribe(anonymous, sam.pair())
                events, errors = await collect(anonymous)
                assert events == [] and codes(errors) == ["UNAUTHENTICATED"]
            for variables in ({"r": missing, "j": sam.job_id}, {"r": eve.resume_id, "j": eve.job_id}):
                assert codes((await sam.gql(MUTATE, variables)).get("errors", [])) == ["NOT_FOUND"]
                assert codes((await sam.gql(STORED, variables)).get("errors", [])) == ["NOT_FOUND"]
            assert codes((await GraphQL(client)(MUTATE, sam.pair())).get("errors", [])) == ["UNAUTHENTICATED"]
            # Eve's list never shows Sam's improvements.
            assert "errors" not in await sam.gql(MUTATE, sam.pair())
            assert (await eve.gql(LIST, {}))["data"]["improvements"]["totalCount"] == 0
            assert (await eve.gql(LIST, {"r": sam.resume_id}))["data"]["improvements"]["totalCount"] == 0


async def _sql(database_url: str, statement: str, **params: Any) -> None:
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(text(statement), params)
    await engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_unreadable_inputs_fail_with_their_codes_and_keep_the_stored_result(
    tmp_path: Path, database_url: str
) -> None:
    async with live_server(create_app(make_settings(tmp_path, database_url))) as address:
        async with httpx.AsyncClient(base_url=f"http://{address}", timeout=60) as client:
            sam = await person(client)
            stored = (await sam.gql(MUTATE, sam.pair()))["data"]["improveResume"]
            # An education-only resume parses, but names no skill: the resume's keywords fail.
            bare_ids = []
            for year in (2015, 2016):
                content = f"Sam Rivera\n\nEducation\nB.A. History, Yale University, {year}".encode()
                bare = (await sam.gql.upload(UPLOAD, {}, content, "bare.txt")).json()
                bare_ids.append(bare["data"]["uploadResume"]["resume"]["id"])
            cases: list[tuple[dict[str, Any], str, str]] = [
                ({"r": bare_ids[0], "j": sam.job_id}, "KEYWORD_EXTRACTION_FAILED", "RESUME_KEYWORDS")
            ]
            # Rows stored by an older parser that the current one cannot read.
            await _sql(database_url, "UPDATE resumes SET text = :t WHERE id = :id", t="lorem ipsum", id=bare_ids[1])
            cases.append(({"r": bare_ids[1], "j": sam.job_id}, "RESUME_PARSING_FAILED", "PARSE"))
            job_ids = []
            for _ in range(2):
                created = await sam.gql(CREATE_JOB, {"text": JOB_TEXT + f"\n{len(job_ids)}"})
                job_ids.append(created["data"]["createJob"]["id"])
            await _sql(database_url, "UPDATE jobs SET raw_text = :t WHERE id = :id", t="lorem ipsum", id=job_ids[0])
            cases.append(({"r": sam.resume_id, "j": job_ids[0]}, "JOB_PARSING_FAILED", "PARSE"))
            await _sql(database_url, "UPDATE jobs SET skills = '[]', keywords = '[]' WHERE id = :id", id=job_ids[1])
            cases.append(({"r": sam.resume_id, "j": job_ids[1]}, "KEYWORD_EXTRACTION_FAILED", "JOB_KEYWORDS"))
            async with socket(address, sam.token) as ws:
                for i, (variables, code, stage) in enumerate(cases):
                    await subscribe(ws, variables, op=str(i))
                    events, errors = await collect(ws, op=str(i))
                    assert errors == []
                    assert [e["stage"] for e in events] == STAGES[: STAGES.index(stage) + 1] + [stage]
                    last = events[-1]
                    assert last["status"] == "FAILED" and last["error"]["code"] == code and last["improvement"] is None
                    assert ("resume" if variables["r"] in bare_ids else "job") in last["error"]["message"]
                    body = await sam.gql(MUTATE, variables)
                    assert codes(body["errors"]) == [code] and body["errors"][0]["message"] == last["error"]["message"]
                    run = (await sam.gql(RUN, variables | {"a": None}))["data"]["improvementRun"]
                    assert run["status"] == "FAILED" and run["error"]["code"] == code
            assert (await sam.gql(LIST, {}))["data"]["improvements"]["totalCount"] == 1
            assert (await sam.gql(STORED, sam.pair()))["data"]["improvement"] == stored


@pytest.mark.parametrize(
    ("status", "delay", "code"),
    [(503, 0.0, "LLM_UNAVAILABLE"), (429, 0.0, "RATE_LIMITED"), (None, 1.5, "LLM_TIMEOUT")],
)
async def test_model_failures_fail_the_run_and_keep_the_stored_result(
    tmp_path: Path, status: int | None, delay: float, code: str
) -> None:
    model = Model()
    async with groq_stub(model) as base_url:
        settings = make_settings(tmp_path, **groq_settings(base_url, groq_timeout_seconds=0.5))
        async with live_server(create_app(settings)) as address:
            async with httpx.AsyncClient(base_url=f"http://{address}", timeout=60) as client:
                sam = await person(client)
                stored = (await sam.gql(MUTATE, sam.pair()))["data"]["improveResume"]
                model.status, model.delay = status, delay
                async with socket(address, sam.token) as ws:
                    await subscribe(ws, sam.pair(again=True))
                    events, errors = await collect(ws)
                assert errors == [] and events[-1]["status"] == "FAILED" and events[-1]["stage"] == "SUGGEST"
                assert events[-1]["error"]["code"] == code
                body = await sam.gql(MUTATE, sam.pair(again=True))
                assert codes(body["errors"]) == [code]
                assert (await sam.gql(STORED, sam.pair()))["data"]["improvement"] == stored
                cached = await sam.gql(MUTATE, sam.pair())
                assert cached["data"]["improveResume"] == stored


# --- Many subscribers -------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_two_hundred_subscribers_on_one_process(tmp_path: Path, database_url: str) -> None:
    model = Model(delay=0.3)
    async with groq_stub(model) as base_url:
        app = create_app(make_settings(tmp_path, database_url, **groq_settings(base_url)))
        async with live_server(app) as address, httpx.AsyncClient(base_url=f"http://{address}", timeout=60) as client:
            people = [await person(client, f"p{i}@example.com") for i in range(2)]

            async def watch(i: int) -> list[dict[str, Any]]:
                who = people[i % 2]
                async with socket(address, who.token) as ws:
                    await subscribe(ws, who.pair())
                    events, errors = await collect(ws)
                    assert errors == []
                    return events

            watchers = [asyncio.create_task(watch(i)) for i in range(200)]
            improvements = app.state.services.improvements
            await wait_until(lambda: improvements.activity()["subscribers"] > 0, 30, what="the first subscribers")
            assert (await client.post("/graphql", json={"query": "{ __typename }"})).json() == {
                "data": {"__typename": "Query"}
            }
            results = await asyncio.gather(*watchers)
            assert all(events[-1]["status"] == "COMPLETED" for events in results)
            finals = {events[-1]["improvement"]["id"] for events in results}
            assert len(finals) == 2  # two runs (one per person), every subscriber on one of them
            assert sum("suggestions" in p for p in model.prompts) == 2
            for _ in range(100):  # the last socket's server side closes just after the client's
                if app.state.services.improvements.activity()["subscribers"] == 0:
                    break
                await asyncio.sleep(0.02)
            assert app.state.services.improvements.activity() == {"runs": 0, "subscribers": 0, "channels": 0}


async def test_a_run_left_by_a_dead_process_is_taken_over(tmp_path: Path, database_url: str) -> None:
    """A RUNNING row whose process stopped beating (the lock it holds is stale) is marked INTERRUPTED
    by the next caller, who runs the pipeline instead of waiting for ever."""
    settings = make_settings(tmp_path, database_url, improvement_stale_seconds=1, improvement_heartbeat_seconds=0.2)
    app = create_app(settings)
    async with live_server(app) as address, httpx.AsyncClient(base_url=f"http://{address}", timeout=60) as client:
        sam = await person(client)
        user_id = (await sam.gql("{ me { id } }"))["data"]["me"]["id"]
        long_ago = utcnow() - timedelta(minutes=5)
        async with transaction(app.state.services.sessions) as session:
            session.add(
                ImprovementRun(
                    id=str(uuid.uuid4()),
                    user_id=user_id,
                    resume_id=sam.resume_id,
                    job_id=sam.job_id,
                    stage="SUGGEST",
                    progress=0.48,
                    message="Writing suggestions",
                    started_at=long_ago,
                    heartbeat_at=long_ago,
                )
            )
        async with socket(address, sam.token) as ws:
            await subscribe(ws, sam.pair())
            events, errors = await collect(ws)
        assert errors == []
        check_run(events)
        async with app.state.services.sessions() as session:
            statuses = sorted(run.status for run in await session.scalars(select(ImprovementRun)))
        assert statuses == ["COMPLETED", "INTERRUPTED"]
