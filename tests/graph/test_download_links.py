"""Signed download links (`Generation.signedDownloads`): they work with no header, within their window as
often as needed, for one person and one file only, and die with expiry, tampering and the account."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from graph.server.app import create_app
from tests.support.client import GraphQL, error_codes
from tests.support.operations import SIGNED_RESUME
from tests.support.people import PASSWORD, person_with_resume
from tests.support.servers import http_client, running
from tests.support.settings import make_settings

SIGNED = "query ($id: ID!) { generation(id: $id) { signedDownloads { pdf txt expiresAt } } }"


def token_of(link: str) -> str:
    return link.split("?token=", 1)[1]


def refused(response: httpx.Response, status: int = 401) -> str:
    """Asserts a GraphQL-shaped coded error body and returns its code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


async def test_a_signed_link_downloads_without_a_header_and_again(
    gql: GraphQL, app: Starlette, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    ada, resume = await person_with_resume(gql, "ada@example.com")
    signed = resume["signedDownloads"]
    assert set(signed) == {"txt", "md", "docx", "pdf", "expiresAt"}
    expires = datetime.fromisoformat(signed["expiresAt"])
    assert timedelta(minutes=4) < expires - datetime.now(UTC) <= timedelta(minutes=5)  # the 5-minute default
    for extension in ("txt", "md", "docx", "pdf"):
        assert signed[extension].startswith(resume["downloads"][extension] + "?token=")
        response = await gql.client.get(signed[extension])  # no Authorization header at all
        assert response.status_code == 200, (extension, response.text)
        assert response.headers["content-disposition"].endswith(f'.{extension}"')
        assert response.headers["referrer-policy"] == "no-referrer"
    pdf = await gql.client.get(signed["pdf"])  # the same link again, within its window
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert (await gql.client.get(signed["txt"])).text == resume["text"]
    header = await gql.client.get(resume["downloads"]["pdf"], headers={"Authorization": f"Bearer {ada.token}"})
    assert header.status_code == 200 and header.content.startswith(b"%PDF")  # the header path still works

    again = (await ada(SIGNED, {"id": resume["id"]}))["data"]["generation"]["signedDownloads"]
    assert again["pdf"] != signed["pdf"]  # fresh links on each ask, each valid on its own
    assert (await gql.client.get(again["pdf"])).status_code == 200

    server = [r for r in caplog.records if r.name != "httpx"]  # httpx is this test's client
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in server)
    assert "GET /generations/" in logged  # the access log saw the downloads...
    assert token_of(signed["pdf"]) not in logged and "token=" not in logged  # ...and not their tokens


async def test_a_link_opens_its_one_file_for_its_one_person(gql: GraphQL, app: Starlette) -> None:
    ada, resume = await person_with_resume(gql, "ada@example.com")
    pdf_token = token_of(resume["signedDownloads"]["pdf"])
    generation = resume["id"]
    assert refused(await gql.client.get(f"/generations/{generation}.txt?token={pdf_token}")) == "UNAUTHENTICATED"
    assert refused(await gql.client.get(f"/generations/{generation}.docx?token={pdf_token}")) == "UNAUTHENTICATED"
    other = (await ada(SIGNED_RESUME, {"job": await first_job(ada)}))["data"]["generateResume"]
    assert refused(await gql.client.get(f"/generations/{other['id']}.pdf?token={pdf_token}")) == "UNAUTHENTICATED"

    bob, bobs = await person_with_resume(gql, "bob@example.com")
    bobs_token = token_of(bobs["signedDownloads"]["pdf"])
    assert refused(await gql.client.get(f"/generations/{generation}.pdf?token={bobs_token}")) == "UNAUTHENTICATED"
    # A well-signed link naming Bob for Ada's file (were one ever minted) still finds nothing of Bob's.
    accounts = app.state.services.accounts
    bob_user = await accounts.user_for_token(bob.token)
    forged = accounts.download_token(bob_user, f"/generations/{generation}.pdf", timedelta(minutes=5)).token
    assert refused(await gql.client.get(f"/generations/{generation}.pdf?token={forged}"), 404) == "NOT_FOUND"
    # The link alone decides: a bearer header does not rescue a wrong one.
    with_header = await gql.client.get(
        f"/generations/{generation}.txt?token={pdf_token}", headers={"Authorization": f"Bearer {ada.token}"}
    )
    assert refused(with_header) == "UNAUTHENTICATED"
    assert refused(await gql.client.get(f"/generations/{generation}.pdf?token=")) == "UNAUTHENTICATED"


async def first_job(person: GraphQL) -> str:
    body = await person("{ jobs(first: 1) { edges { node { id } } } }")
    return str(body["data"]["jobs"]["edges"][0]["node"]["id"])


async def test_expired_and_tampered_links_are_refused(gql: GraphQL, app: Starlette) -> None:
    ada, resume = await person_with_resume(gql, "ada@example.com")
    path = resume["downloads"]["pdf"]
    accounts = app.state.services.accounts
    user = await accounts.user_for_token(ada.token)
    past = datetime.now(UTC) - timedelta(minutes=6)
    expired = accounts.download_token(user, path, timedelta(minutes=5), now=past).token
    response = await gql.client.get(f"{path}?token={expired}")
    assert refused(response) == "UNAUTHENTICATED" and "expired" in response.json()["errors"][0]["message"]

    token = token_of(resume["signedDownloads"]["pdf"])
    header, payload, signature = token.split(".")
    for tampered in (f"{header}.{payload}.{flip(signature)}", f"{header}.{flip(payload)}.{signature}", token[:-5]):
        assert refused(await gql.client.get(f"{path}?token={tampered}")) == "UNAUTHENTICATED"
    assert (await gql.client.get(f"{path}?token={token}")).status_code == 200  # the untouched one still works


def flip(part: str) -> str:
    """One base64url character changed in the middle (the last one may only hold padding bits)."""
    middle = len(part) // 2
    return part[:middle] + ("A" if part[middle] != "A" else "B") + part[middle + 1 :]


async def test_links_and_access_tokens_do_not_stand_in_for_each_other(gql: GraphQL) -> None:
    ada, resume = await person_with_resume(gql, "ada@example.com")
    path = resume["downloads"]["pdf"]
    assert refused(await gql.client.get(f"{path}?token={ada.token}")) == "UNAUTHENTICATED"  # access token as a link
    exported = await ada("mutation { exportMyData { url } }")
    export_token = exported["data"]["exportMyData"]["url"].split("/")[2]
    assert refused(await gql.client.get(f"{path}?token={export_token}")) == "UNAUTHENTICATED"  # nor a data export

    link = token_of(resume["signedDownloads"]["pdf"])
    assert error_codes(await gql("{ me { id } }", token=link)) == ["UNAUTHENTICATED"]  # a link as an access token
    assert refused(await gql.client.get(path, headers={"Authorization": f"Bearer {link}"})) == "UNAUTHENTICATED"
    assert refused(await gql.client.get(f"/exports/{link}/tailor-data.zip")) == "UNAUTHENTICATED"


async def test_links_die_with_the_account(gql: GraphQL) -> None:
    ada, resume = await person_with_resume(gql, "ada@example.com")
    link = resume["signedDownloads"]["pdf"]
    assert (await gql.client.get(link)).status_code == 200
    assert (await ada("mutation ($p: String!) { deleteAccount(password: $p) }", {"p": PASSWORD}))["data"]
    response = await gql.client.get(link)
    assert refused(response) == "UNAUTHENTICATED" and "no longer exists" in response.json()["errors"][0]["message"]


async def test_the_link_lifetime_is_a_setting(tmp_path: Path, database_url: str) -> None:
    async with running(create_app(make_settings(tmp_path, database_url, download_link_seconds=60))) as app:
        async with http_client(app) as client:
            gql = GraphQL(client)
            _, resume = await person_with_resume(gql, "ada@example.com")
            expires = datetime.fromisoformat(resume["signedDownloads"]["expiresAt"])
            assert timedelta(seconds=50) < expires - datetime.now(UTC) <= timedelta(seconds=60)
