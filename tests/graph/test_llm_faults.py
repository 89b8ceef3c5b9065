"""Model faults mid-journey: with the Groq stub failing (5xx, 429, a hang past the timeout, or garbage
instead of JSON), every operation that asks the model fails with its code and leaves nothing behind —
no row added or changed in any table, no enhancement half-stored."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from graph.server.app import create_app
from storage.models import metadata
from tests.support.client import GraphQL, error_codes
from tests.support.improvements import MUTATE as IMPROVE
from tests.support.operations import ENHANCE, LETTER_MUTATION, RANK, UPLOAD
from tests.support.people import job, person_with_profile
from tests.support.servers import live_server, running
from tests.support.settings import make_settings
from tests.support.texts import LETTER, WEAK_RESUME
from tests.support.uploads import upload_sample

PROFILE = "{ profile { summary enhancedSummary experiences { id description enhancedDescription } } }"


class Faulty:
    """A Groq stand-in that fails the way it is told: an HTTP status, a hang, or a non-JSON answer."""

    def __init__(self) -> None:
        self.mode = "503"

    async def completions(self, request: Request) -> Response:
        await request.body()
        if self.mode == "hang":
            await asyncio.sleep(3)
        if self.mode in ("503", "429"):
            return JSONResponse({"error": {"message": "stub"}}, int(self.mode), {"retry-after": "0"})
        content = "Sure! Here is what you asked for, in prose rather than JSON."
        return JSONResponse(
            {
                "id": "stub",
                "object": "chat.completion",
                "created": 0,
                "model": "stub",
                "choices": [
                    {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        )


async def counts(app: Starlette) -> dict[str, int]:
    async with app.state.services.sessions() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in metadata.sorted_tables
            # not work queues, the run record, or the embedding cache (vectors by content hash)
            if table.name not in ("index_outbox", "improvement_runs", "embedding_cache")
        }


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("mode", "code"),
    [("503", "LLM_UNAVAILABLE"), ("429", "RATE_LIMITED"), ("hang", "LLM_TIMEOUT"), ("garbage", "LLM_UNAVAILABLE")],
)
async def test_model_faults_fail_cleanly_and_leave_nothing(
    tmp_path: Path, database_url: str, mode: str, code: str
) -> None:
    # The person's data is made with the offline provider, then the server restarts talking to Groq.
    local = create_app(make_settings(tmp_path, database_url))
    async with running(local), httpx.AsyncClient(transport=httpx.ASGITransport(app=local), base_url="http://t") as c:
        maya = await person_with_profile(GraphQL(c))
        assert (await upload_sample(maya, LETTER.encode()))["data"]["uploadSample"]["id"]
        job_id = await job(maya, "senior_backend_python")
        uploaded = (await maya.upload(UPLOAD, {}, WEAK_RESUME.encode(), "weak.txt")).json()
        resume_id = uploaded["data"]["uploadResume"]["resume"]["id"]
        token = maya.token
    faulty = Faulty()
    faulty.mode = mode
    stub = Starlette(routes=[Route("/openai/v1/chat/completions", faulty.completions, methods=["POST"])])
    async with live_server(stub) as address:
        settings = make_settings(
            tmp_path,
            database_url,
            groq_api_key="gsk_test",
            groq_base_url=f"http://{address}",
            groq_max_attempts=1,
            groq_timeout_seconds=0.5,
        )
        app = create_app(settings)
        async with running(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            maya = GraphQL(c, token)
            before, profile = await counts(app), await maya(PROFILE)
            calls: list[tuple[str, Any]] = [
                ("enhanceProfile", maya(ENHANCE, {"input": {}})),
                ("rankContent", maya(RANK, {"input": {"jobId": job_id, "force": True}})),
                ("generateCoverLetter", maya(LETTER_MUTATION, {"input": {"jobId": job_id}})),
                ("improveResume", maya(IMPROVE, {"r": resume_id, "j": job_id})),
            ]
            for name, call in calls:
                body = await call
                assert error_codes(body) == [code], (name, body)
            sample = await maya.upload(
                "mutation ($file: Upload!) { uploadSample(documentType: COVER_LETTER, file: $file) { id } }",
                {},
                b"Dear team, I write short letters. I like clear words. Thank you.",
                "short.txt",
            )
            assert error_codes(sample.json()) == [code]
            after = await counts(app)
            # generateCoverLetter ranks before it writes: that ranking (computed, no model) is whole and kept
            if after["rankings"] == before["rankings"] + 1:
                ranking = await maya(
                    f'{{ ranking(jobId: "{job_id}") {{ status rankedExperiences {{ item {{ id }} }} }} }}'
                )
                assert ranking["data"]["ranking"]["status"] == "COMPLETED"
                assert ranking["data"]["ranking"]["rankedExperiences"]
                after["rankings"] -= 1
            assert after == before  # nothing else added, nothing half-written
            assert await maya(PROFILE) == profile  # no enhancement stored
