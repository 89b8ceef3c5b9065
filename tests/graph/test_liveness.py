"""No request can freeze the server (issue #16): each attack class of the red team's, sent to a real
`tailor serve`, while a second client asks `{ __typename }` every 50 ms. The bound is wide on purpose:
the stalls found were 2 to 157 s, and the probe's worst latency here must stay under 1 s (the tight
goal, p99 under 100 ms, is measured by bench/liveness.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from bench.liveness import ATTACKS, Scale, Target, prepare, probe_while
from bench.run import server

WORST_PROBE_MS = 1000
SCALE = Scale(resume_chars=95_000, posting_chars=49_000, jobs=30, logins=40, uploads=6)
ANSWERS = {  # what each attack must be answered with: never INTERNAL, never a dropped connection
    "fragment fan-out, 24 deep, no token": {"ok", "QUERY_TOO_COMPLEX"},
    "TXT resume, 30,000-letter first line": {"ok"},
    "posting: 'Title', '1', 15,000 spaces, 'x'": {"JOB_PARSING_FAILED"},
    "3 postings of ~49,000 characters at once": {"ok"},
    "PDF text bomb (flate)": {"PAYLOAD_TOO_LARGE"},
    "PDF uploads at once": {"ok"},
    "95k-character resume: upload, match(refresh), improveResume": {"ok"},
    "compareResumeToJobs over many jobs": {"ok"},
    "arrays nested 500 deep in variables": {"BAD_USER_INPUT"},
    "logins for unknown e-mails at once": {"UNAUTHENTICATED", "RATE_LIMITED,UNAUTHENTICATED", "RATE_LIMITED"},
}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def target() -> AsyncIterator[tuple[str, Target]]:
    async with server() as base, httpx.AsyncClient(base_url=base, timeout=120) as client:
        yield base, await prepare(client, SCALE)


def test_every_attack_class_is_covered() -> None:
    assert set(ANSWERS) == set(ATTACKS)


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("name", list(ATTACKS))
async def test_the_server_stays_live(target: tuple[str, Target], name: str) -> None:
    base, attacker = target
    stall = await probe_while(base, ATTACKS[name](attacker), interval=0.05)
    assert stall.outcome in ANSWERS[name], f"{name}: answered {stall.outcome}"
    assert stall.worst_ms < WORST_PROBE_MS, f"{name}: the probe waited {stall.worst_ms:.0f} ms ({stall})"
