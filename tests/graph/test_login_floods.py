"""Logins for made-up e-mails cannot crowd out real ones: failed logins are budgeted per client address and
overall, an unknown e-mail past a budget is answered without hashing, and the answers still do not tell
which e-mails have accounts. Work is counted (argon2 runs), not timed."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from graph.server.app import create_app
from tests.support.client import GraphQL, error_codes
from tests.support.people import register
from tests.support.servers import running
from tests.support.settings import make_settings

LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token user { email } } }"


@asynccontextmanager
async def app_with(tmp_path: Path, database_url: str, **overrides: Any) -> AsyncIterator[Starlette]:
    async with running(create_app(make_settings(tmp_path, database_url, **overrides))) as app:
        yield app


@asynccontextmanager
async def from_address(app: Starlette, address: str) -> AsyncIterator[GraphQL]:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://tailor.test") as client:
        yield GraphQL(client)


def refusal(body: dict[str, Any]) -> tuple[str, str]:
    """An error's code and message with its numbers blanked (a refusal names the seconds to wait)."""
    error = body["errors"][0]
    return error["extensions"]["code"], re.sub(r"\d+", "N", error["message"])


async def test_unknown_email_flood_spends_a_bounded_number_of_hashes(tmp_path: Path, database_url: str) -> None:
    budget, flood = 5, 40
    async with app_with(tmp_path, database_url, login_failure_budget=budget, login_failure_window_seconds=600) as app:
        accounts = app.state.services.accounts
        passwords = accounts._passwords
        async with from_address(app, "198.51.100.1") as ada:
            await register(ada, "ada@example.com", "correct horse")
            before = passwords.verifications

            async def unknown(i: int) -> dict[str, Any]:
                async with from_address(app, f"203.0.113.{i + 1}") as stranger:  # many addresses: the overall budget
                    return await stranger(LOGIN, {"e": f"nobody-{i}@example.com", "p": "some password"})

            real, *strangers = await asyncio.gather(
                ada(LOGIN, {"e": "ada@example.com", "p": "correct horse"}), *(unknown(i) for i in range(flood))
            )
            assert "errors" not in real and real["data"]["login"]["user"]["email"] == "ada@example.com"
            codes = Counter(code for body in strangers for code in error_codes(body))
            assert codes == {"UNAUTHENTICATED": budget, "RATE_LIMITED": flood - budget}
            assert accounts.decoy_verifications == budget  # the other 35 were answered without argon2
            assert passwords.verifications - before == budget + 1  # and the real login hashed once

            # Past the budget a wrong password for a real account answers like an unknown e-mail...
            wrong = await ada(LOGIN, {"e": "ada@example.com", "p": "wrong horse"})
            async with from_address(app, "203.0.113.200") as stranger:
                nobody = await stranger(LOGIN, {"e": "nobody-else@example.com", "p": "wrong horse"})
            assert (
                refusal(wrong) == refusal(nobody) == ("RATE_LIMITED", "Too many login attempts; try again in N seconds")
            )
            for body in (wrong, nobody):
                assert 0 < body["errors"][0]["extensions"]["retryAfter"] <= 600
            # ...while the right password still logs in.
            again = await ada(LOGIN, {"e": "ada@example.com", "p": "correct horse"})
            assert "errors" not in again


async def test_failed_logins_are_budgeted_per_client_address(tmp_path: Path, database_url: str) -> None:
    budget = 3
    async with app_with(tmp_path, database_url, login_client_failure_budget=budget) as app:
        accounts = app.state.services.accounts
        async with from_address(app, "198.51.100.1") as ada, from_address(app, "198.51.100.66") as mallory:
            await register(ada, "ada@example.com", "correct horse")
            answers = [await mallory(LOGIN, {"e": f"guess-{i}@example.com", "p": "some password"}) for i in range(8)]
            assert [error_codes(a) for a in answers] == [["UNAUTHENTICATED"]] * budget + [["RATE_LIMITED"]] * 5
            assert accounts.decoy_verifications == budget
            # From that address a real account's wrong password is refused alike; its right one works.
            wrong = await mallory(LOGIN, {"e": "ada@example.com", "p": "wrong horse"})
            assert refusal(wrong) == refusal(answers[-1])
            assert "errors" not in await mallory(LOGIN, {"e": "ada@example.com", "p": "correct horse"})
            # Another address is not affected.
            other = await ada(LOGIN, {"e": "guess-99@example.com", "p": "some password"})
            assert error_codes(other) == ["UNAUTHENTICATED"]
            assert accounts.decoy_verifications == budget + 1


async def test_within_the_budgets_unknown_and_wrong_answer_alike(tmp_path: Path, database_url: str) -> None:
    async with app_with(tmp_path, database_url) as app, from_address(app, "198.51.100.1") as client:
        await register(client, "ada@example.com", "correct horse")
        wrong = await client(LOGIN, {"e": "ada@example.com", "p": "wrong horse"})
        unknown = await client(LOGIN, {"e": "nobody@example.com", "p": "wrong horse"})
        assert refusal(wrong) == refusal(unknown) == ("UNAUTHENTICATED", "Invalid email or password")
        assert app.state.services.accounts.decoy_verifications == 1  # the unknown one still hashed
