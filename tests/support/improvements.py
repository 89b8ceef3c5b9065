"""The improvement pipeline's operations and how to follow a run over a socket: shared by the improvement
tests (one process and several), the JS and GraphiQL clients, the authorization matrix and the LLM faults."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection

STAGES = [
    "LOAD",
    "PARSE",
    "RESUME_KEYWORDS",
    "JOB_KEYWORDS",
    "SCORE_BEFORE",
    "SUGGEST",
    "REWRITE",
    "SCORE_AFTER",
    "SAVE",
    "DONE",
]
IMPROVEMENT = """id resumeId jobId originalScore improvedScore originalAtsScore improvedAtsScore
  originalBreakdown { skillsMatch experienceMatch requirementsMatch } improvedBreakdown { skillsMatch }
  matchedKeywords semanticKeywords missingKeywords
  suggestions { text reasoning priority expectedImpact section }
  improvedResumeText diff { section heading original improved changed added removed notes } warnings
  llmMetadata { provider model totalTokens latencyMs } createdAt updatedAt resume { id } job { id title }"""
EVENT = f"""runId sequence status stage progress message cached at error {{ code message }}
  improvement {{ {IMPROVEMENT} }}"""
SUBSCRIBE = f"""subscription ($r: ID!, $j: ID!, $a: Boolean) {{
  improveResume(resumeId: $r, jobId: $j, analyzeAgain: $a) {{ {EVENT} }} }}"""
MUTATE = f"""mutation ($r: ID!, $j: ID!, $a: Boolean) {{
  improveResume(resumeId: $r, jobId: $j, analyzeAgain: $a) {{ {IMPROVEMENT} }} }}"""
STORED = f"query ($r: ID!, $j: ID!) {{ improvement(resumeId: $r, jobId: $j) {{ {IMPROVEMENT} }} }}"
RUN = """query ($r: ID!, $j: ID!) { improvementRun(resumeId: $r, jobId: $j) {
  id status stage progress analyzeAgain error { code message } improvementId startedAt finishedAt } }"""


async def subscribe(ws: ClientConnection, variables: dict[str, Any], op: str = "1") -> None:
    await ws.send(json.dumps({"id": op, "type": "subscribe", "payload": {"query": SUBSCRIBE, "variables": variables}}))


async def collect(ws: ClientConnection, op: str = "1", until: str | None = None) -> tuple[list[dict[str, Any]], list]:
    """The events of one subscription until it completes (or until the stage `until` arrives), and any
    GraphQL errors it answered instead."""
    events: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 60))
        if message.get("id") != op:
            continue
        if message["type"] == "complete":
            return events, errors
        if message["type"] == "error":
            return events, message["payload"]
        payload = message["payload"]
        errors += payload.get("errors") or []
        if payload.get("data") and payload["data"].get("improveResume"):
            events.append(payload["data"]["improveResume"])
            if until is not None and events[-1]["stage"] == until:
                return events, errors


def check_run(events: list[dict[str, Any]], *, first_stage: str = "LOAD") -> dict[str, Any]:
    """A run's events: each stage once and in order from `first_stage`, progress rising to 1, one run id,
    the improvement on the last event only. Returns the improvement."""
    stages = [e["stage"] for e in events]
    assert stages == STAGES[STAGES.index(first_stage) :], stages
    progress = [e["progress"] for e in events]
    assert progress == sorted(progress) and len(set(progress)) == len(progress) and progress[-1] == 1.0
    assert all(0 < p <= 1 for p in progress)
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    assert len({e["runId"] for e in events}) == 1 and events[0]["runId"]
    assert [e["sequence"] for e in events] == sorted({e["sequence"] for e in events})
    assert [e["status"] for e in events] == ["RUNNING"] * (len(events) - 1) + ["COMPLETED"]
    assert all(e["improvement"] is None for e in events[:-1]) and not events[-1]["cached"]
    assert all(e["message"] for e in events)
    improvement: dict[str, Any] = events[-1]["improvement"]
    return improvement
