"""Pure account rules: email normalisation, password rules, tokens, hashing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from domain.accounts import check_password, normalise_email
from domain.errors import BadInput, Unauthenticated
from domain.security import Passwords, Tokens

SECRET = "k" * 40


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" Ada@Example.COM ", "ada@example.com"),
        ("ADA.Lovelace+cv@Mail.Example.org", "ada.lovelace+cv@mail.example.org"),
        ("ａｄａ@ｅｘａｍｐｌｅ.ｃｏｍ", "ada@example.com"),  # full-width letters are the same mailbox
        ("алина@example.com", "алина@example.com"),  # one script is fine, whichever it is
    ],
)
def test_emails_are_normalised(raw: str, expected: str) -> None:
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "plain",
        "a@b",
        "@example.com",
        "a b@example.com",
        "x" * 250 + "@e.com",
        "\u0430da@example.com",  # a Cyrillic 'а' in front of Latin letters: a look-alike of ada@
    ],
)
def test_bad_emails_name_the_field(raw: str) -> None:
    with pytest.raises(BadInput) as error:
        normalise_email(raw)
    assert error.value.field == "email"


def test_password_rules() -> None:
    check_password("12345678", 8)
    for bad in ["1234567", " " * 10, "p" * 257, "\u200b" * 8, "abc" + "\u200b" * 6]:  # zero-width spaces
        with pytest.raises(BadInput) as error:
            check_password(bad, 8)
        assert error.value.field == "password"


def test_tokens_round_trip_and_refuse_tampering() -> None:
    tokens = Tokens(secret=SECRET, issuer="tailor", lifetime=timedelta(hours=1))
    issued = tokens.issue("user-1")
    assert tokens.subject(issued.token) == "user-1"
    assert issued.expires_at > datetime.now(UTC) + timedelta(minutes=59)
    other = Tokens(secret="z" * 40, issuer="tailor", lifetime=timedelta(hours=1))
    with pytest.raises(Unauthenticated):
        other.subject(issued.token)
    wrong_issuer = Tokens(secret=SECRET, issuer="someone-else", lifetime=timedelta(hours=1))
    with pytest.raises(Unauthenticated):
        wrong_issuer.subject(issued.token)
    no_sub = jwt.encode(
        {"iss": "tailor", "iat": datetime.now(UTC), "exp": datetime.now(UTC) + timedelta(hours=1)}, SECRET
    )
    with pytest.raises(Unauthenticated):
        tokens.subject(no_sub)
    with pytest.raises(Unauthenticated, match="expired"):
        tokens.subject(tokens.issue("user-1", now=datetime.now(UTC) - timedelta(hours=2)).token)


def test_tokens_live_no_longer_than_this_server_issues_them() -> None:
    tokens = Tokens(secret=SECRET, issuer="tailor", lifetime=timedelta(hours=1))
    now = datetime.now(UTC)
    for issued, expires in [(now, now + timedelta(days=3650)), (now + timedelta(hours=1), now + timedelta(hours=2))]:
        forged = jwt.encode({"sub": "user-1", "iss": "tailor", "iat": issued, "exp": expires}, SECRET)
        with pytest.raises(Unauthenticated):  # ten years long, or issued in the future
            tokens.subject(forged)
    day_long_link = tokens.issue("user-1", purpose="download:/x", lifetime=timedelta(days=1))
    assert tokens.subject(day_long_link.token, purpose="download:/x") == "user-1"


async def test_passwords_hash_verify_and_rehash() -> None:
    cheap = Passwords(time_cost=1, memory_cost_kib=64, parallelism=1)
    stored = await cheap.hash("correct horse")
    assert stored.startswith("$argon2id$")
    assert await cheap.verify(stored, "correct horse")
    assert not await cheap.verify(stored, "wrong horse")
    assert not await cheap.verify("not a hash", "correct horse")
    stronger = Passwords(time_cost=2, memory_cost_kib=128, parallelism=1)
    assert stronger.needs_rehash(stored) and not cheap.needs_rehash(stored)
