"""Per-account budgets on the expensive operations: calls per window, calls in flight, model tokens
per hour; each answers RATE_LIMITED with `retryAfter` once spent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from domain.budgets import Budgets, BudgetSettings, Limit, Operation
from domain.errors import RateLimited
from graph.server.app import create_app
from storage.counters import MemoryCounters
from tests.support.client import GraphQL, error_codes
from tests.support.people import register
from tests.support.servers import http_client, running
from tests.support.settings import make_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MAYA = (FIXTURES / "resumes" / "maya_chen.txt").read_bytes()
LETTER = (FIXTURES / "samples" / "cover_letter_maya.txt").read_bytes()
JOB = (FIXTURES / "jobs" / "senior_backend_python.txt").read_text()
UPLOAD_RESUME = "mutation ($file: Upload!) { uploadResume(file: $file) { resume { id } } }"
UPLOAD_SAMPLE = "mutation ($file: Upload!) { uploadSample(documentType: COVER_LETTER, file: $file) { id } }"
REFRESH = "mutation ($id: ID!) { refreshWritingStyle(sampleId: $id) { id } }"
CREATE_JOB = "mutation ($text: String!) { createJob(input: {rawText: $text}) { id } }"
COMPARE = """query ($resume: ID!, $jobs: [ID!]!) {
  compareResumeToJobs(resumeId: $resume, jobIds: $jobs) { result { matchPercentage } } }"""
IMPROVE = """mutation ($r: ID!, $j: ID!) { improveResume(resumeId: $r, jobId: $j) { id improvedScore } }"""
GENERATE_RESUME = "mutation ($j: ID!) { generateResume(input: {jobId: $j}) { id } }"
GENERATE_LETTER = "mutation ($j: ID!) { generateCoverLetter(input: {jobId: $j}) { id } }"
RANK = "mutation ($j: ID!) { rankContent(input: {jobId: $j}) { id } }"
ENHANCE = "mutation { enhanceProfile { sectionsEnhanced } }"
NO_SUCH_JOB = "00000000-0000-4000-8000-000000000000"


# --- The budgets on their own -------------------------------------------------------------------------


def budgets(calls: int = 100, concurrent: int = 100, tokens: int = 1_000_000) -> Budgets:
    limit = Limit(calls, 60, concurrent)
    return Budgets(MemoryCounters(), BudgetSettings(dict.fromkeys(Operation, limit), tokens))


async def test_calls_per_window_are_counted_per_account_and_operation() -> None:
    spent = budgets(calls=2)
    for _ in range(2):
        async with spent.spend("ada", Operation.COMPARE):
            pass
    with pytest.raises(RateLimited) as refused:
        async with spent.spend("ada", Operation.COMPARE):
            pass
    assert 1 <= refused.value.retry_after <= 60
    assert refused.value.details == {
        "retryAfter": refused.value.retry_after,
        "operation": "COMPARE",
        "limit": "CALLS_PER_WINDOW",
    }
    async with spent.spend("bob", Operation.COMPARE), spent.spend("ada", Operation.GENERATION):
        pass  # another account, another operation


async def test_calls_in_flight_are_limited_and_freed() -> None:
    spent = budgets(concurrent=1)
    async with spent.spend("ada", Operation.IMPROVEMENT, Operation.LLM):
        with pytest.raises(RateLimited) as refused:
            async with spent.spend("ada", Operation.LLM):
                pass
        assert refused.value.details["limit"] == "IN_FLIGHT" and refused.value.retry_after > 0
        assert spent.in_flight("ada", Operation.LLM) == 1
    assert spent.in_flight("ada", Operation.LLM) == 0
    with pytest.raises(RuntimeError):  # a failing call frees its slots too
        async with spent.spend("ada", Operation.LLM):
            raise RuntimeError
    async with spent.spend("ada", Operation.LLM):
        pass


async def test_calls_sharing_one_piece_of_work_count_once() -> None:
    spent = budgets(calls=1, concurrent=1)
    async with spent.spend("ada", Operation.IMPROVEMENT, share="pair-1") as first:
        async with spent.spend("ada", Operation.IMPROVEMENT, share="pair-1") as joined:
            assert spent.in_flight("ada", Operation.IMPROVEMENT) == 1
        with pytest.raises(RateLimited):  # another pair is another run
            async with spent.spend("ada", Operation.IMPROVEMENT, share="pair-2"):
                pass
        assert spent.in_flight("ada", Operation.IMPROVEMENT) == 1  # the first is still held
        assert first is not joined
    assert spent.in_flight("ada", Operation.IMPROVEMENT) == 0
    with pytest.raises(RateLimited) as refused:  # once the run is over, a new call is a new run
        async with spent.spend("ada", Operation.IMPROVEMENT, share="pair-1"):
            pass
    assert refused.value.details["limit"] == "CALLS_PER_WINDOW"


async def test_a_joiner_waits_for_the_first_calls_admission() -> None:
    gate = asyncio.Event()

    class SlowCounters(MemoryCounters):
        async def hit(self, key: str, window_seconds: int, amount: int = 1) -> tuple[int, int]:
            await gate.wait()
            return await super().hit(key, window_seconds, amount)

    spent = Budgets(SlowCounters(), BudgetSettings(dict.fromkeys(Operation, Limit(1, 60, 1)), 10**6))

    async def call() -> str:
        try:
            async with spent.spend("ada", Operation.IMPROVEMENT, share="pair"):
                await asyncio.sleep(0)
                return "ran"
        except RateLimited as exc:
            return str(exc.details["limit"])

    async def two_at_once() -> list[str]:
        gate.clear()
        calls = [asyncio.create_task(call()), asyncio.create_task(call())]
        await asyncio.sleep(0)  # the first waits on its counters, the second on the first
        gate.set()
        return list(await asyncio.gather(*calls))

    assert await two_at_once() == ["ran", "ran"]  # one call: one count of one allowed, one slot of one
    # The window is spent: the first is refused, and the second, no longer joining, is refused for itself.
    assert await two_at_once() == ["CALLS_PER_WINDOW", "CALLS_PER_WINDOW"]
    assert spent.in_flight("ada", Operation.IMPROVEMENT) == 0


async def test_tokens_are_charged_from_what_calls_report() -> None:
    spent = budgets(tokens=500)  # an hour
    async with spent.spend("ada", Operation.LLM) as call:
        await call.tokens(350)
        await call.tokens(10_000)  # charged once per call
    async with spent.spend("ada", Operation.LLM) as call:  # 350 of 500 spent: admitted
        await call.tokens(200)
    with pytest.raises(RateLimited) as refused:
        async with spent.spend("ada", Operation.LLM):
            pass
    assert refused.value.details["limit"] == "TOKENS_PER_HOUR" and 1 <= refused.value.retry_after <= 3600
    async with spent.spend("ada", Operation.COMPARE):
        pass  # no model: no tokens needed


# --- Through the API ------------------------------------------------------------------------------------


@asynccontextmanager
async def served(tmp_path: Path, database_url: str, **overrides: Any) -> AsyncIterator[tuple[Starlette, GraphQL]]:
    app = create_app(make_settings(tmp_path, database_url, **overrides))
    async with running(app), http_client(app) as client:
        yield app, GraphQL(client)


def rate_limited(body: dict[str, Any], operation: str, limit: str) -> None:
    assert error_codes(body) == ["RATE_LIMITED"], body
    extensions = body["errors"][0]["extensions"]
    assert extensions["operation"] == operation and extensions["limit"] == limit, extensions
    assert isinstance(extensions["retryAfter"], int) and extensions["retryAfter"] >= 1


async def resume_and_job(gql: GraphQL) -> tuple[str, str]:
    uploaded = (await gql.upload(UPLOAD_RESUME, {}, MAYA, "maya.txt")).json()
    job = await gql(CREATE_JOB, {"text": JOB})
    return uploaded["data"]["uploadResume"]["resume"]["id"], job["data"]["createJob"]["id"]


def blocking(target: object, name: str) -> tuple[asyncio.Event, asyncio.Event, Callable[..., Awaitable[Any]]]:
    """Wraps a service method: each call says it entered, then waits to be let go before running."""
    entered, go = asyncio.Event(), asyncio.Event()
    original = getattr(target, name)

    async def held(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        await go.wait()
        return await original(*args, **kwargs)

    return entered, go, held


async def test_compare_is_limited_per_window(tmp_path: Path, database_url: str) -> None:
    async with served(tmp_path, database_url, compare_calls_per_window=2) as (_, gql):
        maya = gql.as_user((await register(gql))["token"])
        resume_id, job_id = await resume_and_job(maya)
        for _ in range(2):
            assert "errors" not in await maya(COMPARE, {"resume": resume_id, "jobs": [job_id]})
        rate_limited(await maya(COMPARE, {"resume": resume_id, "jobs": [job_id]}), "COMPARE", "CALLS_PER_WINDOW")
        bob = gql.as_user((await register(gql, "bob@example.com"))["token"])
        assert error_codes(await bob(COMPARE, {"resume": resume_id, "jobs": [job_id]})) == ["NOT_FOUND"]  # his own


async def test_a_second_compare_in_flight_is_refused(tmp_path: Path, database_url: str) -> None:
    async with served(tmp_path, database_url, compare_concurrency=1) as (app, gql):
        maya = gql.as_user((await register(gql))["token"])
        resume_id, job_id = await resume_and_job(maya)
        variables = {"resume": resume_id, "jobs": [job_id]}
        analyses = app.state.services.analyses
        entered, go, held = blocking(analyses, "compare")
        analyses.compare = held
        first = asyncio.create_task(maya(COMPARE, variables))
        await asyncio.wait_for(entered.wait(), 30)  # the first is under way
        rate_limited(await maya(COMPARE, variables), "COMPARE", "IN_FLIGHT")
        go.set()
        assert "errors" not in await first
        assert "errors" not in await maya(COMPARE, variables)  # its slot was freed


async def test_a_second_improvement_run_in_flight_is_refused_but_the_same_run_is_joined(
    tmp_path: Path, database_url: str
) -> None:
    async with served(tmp_path, database_url, improvement_concurrency=1) as (app, gql):
        maya = gql.as_user((await register(gql))["token"])
        resume_id, job_id = await resume_and_job(maya)
        other_job = (await maya(CREATE_JOB, {"text": JOB.replace("Senior", "Staff")}))["data"]["createJob"]["id"]
        improvements = app.state.services.improvements
        entered, go, held = blocking(improvements, "improve")
        improvements.improve = held
        first = asyncio.create_task(maya(IMPROVE, {"r": resume_id, "j": job_id}))
        await asyncio.wait_for(entered.wait(), 30)  # the first run is under way
        rate_limited(await maya(IMPROVE, {"r": resume_id, "j": other_job}), "IMPROVEMENT", "IN_FLIGHT")
        joined = asyncio.create_task(maya(IMPROVE, {"r": resume_id, "j": job_id}))  # the same run: no new slot
        go.set()
        results = await asyncio.gather(first, joined)
        assert all("errors" not in body for body in results), results
        assert results[0]["data"]["improveResume"]["id"] == results[1]["data"]["improveResume"]["id"]
        maya_id = (await maya("{ me { id } }"))["data"]["me"]["id"]
        assert app.state.services.budgets.in_flight(maya_id, Operation.IMPROVEMENT) == 0
        assert "errors" not in await maya(IMPROVE, {"r": resume_id, "j": other_job})  # the slot was freed


async def test_generations_and_model_calls_are_limited(tmp_path: Path, database_url: str) -> None:
    limits = {"generation_calls_per_window": 2, "llm_calls_per_window": 3}
    async with served(tmp_path, database_url, **limits) as (_, gql):
        maya = gql.as_user((await register(gql))["token"])
        # Failing calls count too (no such job): attempts are what is limited.
        assert "RATE_LIMITED" not in error_codes(await maya(GENERATE_RESUME, {"j": NO_SUCH_JOB}))
        assert "RATE_LIMITED" not in error_codes(await maya(GENERATE_LETTER, {"j": NO_SUCH_JOB}))  # + 1 model call
        rate_limited(await maya(GENERATE_RESUME, {"j": NO_SUCH_JOB}), "GENERATION", "CALLS_PER_WINDOW")
        assert "RATE_LIMITED" not in error_codes(await maya(RANK, {"j": NO_SUCH_JOB}))
        assert "RATE_LIMITED" not in error_codes(await maya(ENHANCE))
        rate_limited(await maya(ENHANCE), "LLM", "CALLS_PER_WINDOW")
        rate_limited((await maya.upload(UPLOAD_SAMPLE, {}, LETTER, "letter.txt")).json(), "LLM", "CALLS_PER_WINDOW")


async def test_model_tokens_are_charged_from_llm_metadata(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    limits = {"llm_tokens_per_hour": 300}
    async with served(tmp_path, database_url, **limits) as (app, gql):
        maya = gql.as_user((await register(gql))["token"])
        sample_id = (await maya.upload(UPLOAD_SAMPLE, {}, LETTER, "letter.txt")).json()["data"]["uploadSample"]["id"]
        samples = app.state.services.samples
        refresh = samples.refresh_style

        async def costly(*args: Any) -> Any:  # the offline model reports no tokens: say it spent 350
            row = await refresh(*args)
            row.style_metadata = {**row.style_metadata, "total_tokens": 350}
            return row

        monkeypatch.setattr(samples, "refresh_style", costly)
        assert "errors" not in await maya(REFRESH, {"id": sample_id})  # admitted at 0 of 300 tokens: 350 spent
        rate_limited(await maya(REFRESH, {"id": sample_id}), "LLM", "TOKENS_PER_HOUR")
