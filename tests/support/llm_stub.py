"""Stand-ins for Groq's chat completions endpoint, served on 127.0.0.1 so the real SDK talks to them:
`Stub` answers from a script (the provider tests, enhancement and generation through the API), `Model`
answers by what it is asked (the improvement pipeline, in one process or several)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.servers import live_server


@dataclass
class Stub:
    """Scripted answers, one per request: ("json", obj) | ("text", str) | ("status", code, headers) | ("hang", s)."""

    script: list[tuple[Any, ...]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)

    async def completions(self, request: Request) -> Response:
        self.requests.append(await request.json())
        kind, *rest = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if kind == "hang":
            await asyncio.sleep(rest[0])
        if kind == "status":
            code, headers = rest
            return JSONResponse({"error": {"message": "stub", "type": "stub"}}, code, headers=headers)
        content = json.dumps(rest[0]) if kind == "json" else rest[0]
        return JSONResponse(
            {
                "id": "stub",
                "object": "chat.completion",
                "created": 0,
                "model": self.requests[-1]["model"],
                "choices": [
                    {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
                ],
                "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
            }
        )


@dataclass
class Model:
    """Suggestions and rewrites (each rewrite echoes its section reworded, plus one invented claim the
    truthfulness check must remove), after `delay` seconds; or an HTTP `status` failure."""

    delay: float = 0.0
    status: int | None = None
    hold: asyncio.Event | None = None  # when set, every request waits for it
    prompts: list[str] = field(default_factory=list)

    async def completions(self, request: Request) -> Response:
        body = await request.json()
        prompt: str = body["messages"][-1]["content"]
        self.prompts.append(prompt)
        if self.hold is not None:
            await self.hold.wait()
        await asyncio.sleep(self.delay)
        if self.status is not None:
            return JSONResponse({"error": {"message": "stub", "type": "stub"}}, self.status, {"retry-after": "0"})
        if prompt.startswith("Rewrite this"):
            section = prompt.rsplit("<<<DATA\n", 1)[1].rsplit("\nDATA>>>", 1)[0]
            reworded = section.replace("Responsible for building", "Built").replace("Worked on", "Improved")
            reply: dict[str, Any] = {  # an invented employer and number, and a skill taken from the posting
                "text": reworded + "\n- Led a team of 50 engineers at Google.\n- Ran Kubernetes clusters daily.",
                "notes": ["Kubernetes was not added: the section does not show it."],
            }
        else:
            reply = {
                "suggestions": [
                    {
                        "text": f"Suggestion {i}: quantify the reporting speed-up.",
                        "reasoning": "Numbers show impact.",
                        "priority": ["HIGH", "MEDIUM", "LOW"][i % 3],
                        "expected_impact": "Clearer impact.",
                        "section": "experience",
                    }
                    for i in range(5)
                ]
            }
        return JSONResponse(
            {
                "id": "stub",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": json.dumps(reply)},
                    }
                ],
                "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
            }
        )


@asynccontextmanager
async def groq_stub(model: Model) -> AsyncIterator[str]:
    app = Starlette(routes=[Route("/openai/v1/chat/completions", model.completions, methods=["POST"])])
    async with live_server(app) as address:
        yield f"http://{address}"


def groq_settings(base_url: str, **extra: Any) -> dict[str, Any]:
    return {"groq_api_key": "gsk_test", "groq_base_url": base_url, "groq_max_attempts": 1, **extra}
