"""enhanceProfile through the API: local provider, and Groq (stub) with an invented claim refused."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import Route

from graph.server.app import create_app
from tests.support.client import GraphQL, error_codes
from tests.support.llm_stub import Stub
from tests.support.operations import ENHANCE
from tests.support.people import register
from tests.support.servers import http_client, live_server, running
from tests.support.settings import make_settings
from tests.support.texts import LETTER
from tests.support.uploads import upload_sample as upload

PROFILE = """{ profile { summary enhancedSummary
  experiences { id description enhancedDescription } projects { description enhancedDescription } } }"""


async def build_profile(gql: GraphQL) -> str:
    await gql(
        'mutation { updateProfile(input: {summary: "I think I am basically a backend engineer with 7 years."}) { id } }'
    )
    body = await gql(
        'mutation { addExperience(input: {title: "Engineer", company: "Northwind", startMonth: "2021-03", '
        'endMonth: "2023-01", description: "Responsible for migrating 14 services to Kubernetes.", '
        'highlights: ["worked on the billing API"]}) { id } }'
    )
    await gql('mutation { addProject(input: {name: "Shipwatch", description: "Wrote a CLI in Python."}) { id } }')
    return str(body["data"]["addExperience"]["id"])


async def test_enhance_needs_a_cover_letter_sample(gql: GraphQL) -> None:
    ada = gql.as_user((await register(gql))["token"])
    await build_profile(ada)
    body = await ada(ENHANCE)
    assert error_codes(body) == ["PRECONDITION_FAILED"]
    assert body["errors"][0]["message"] == "Upload a cover letter sample first"
    await upload(ada, LETTER.encode())
    long = await ada(ENHANCE, {"input": {"customPrompt": "x" * 501}})
    assert error_codes(long) == ["BAD_USER_INPUT"] and long["errors"][0]["extensions"]["field"] == "customPrompt"


async def test_enhance_with_the_local_provider(gql: GraphQL) -> None:
    ada = gql.as_user((await register(gql))["token"])
    experience_id = await build_profile(ada)
    sample = (await upload(ada, LETTER.encode()))["data"]["uploadSample"]
    result = (await ada(ENHANCE, {"input": {"customPrompt": "Stress reliability"}}))["data"]["enhanceProfile"]
    assert result["sectionsRequested"] == 3 and result["sectionsEnhanced"] == 2  # the project text is already plain
    assert result["successRate"] == round(2 / 3, 3) and result["sampleId"] == sample["id"]
    assert result["llmMetadata"]["provider"] == "local" and result["writingStyleUsed"]["tone"]
    profile = (await ada(PROFILE))["data"]["profile"]
    assert profile["summary"].startswith("I think I am basically")  # the original is untouched
    assert profile["enhancedSummary"] == "I am a backend engineer with 7 years."
    experience = profile["experiences"][0]
    assert experience["enhancedDescription"] == "Migrated 14 services to Kubernetes.\n- Contributed to the billing API."
    await ada(
        'mutation ($id: ID!) { updateExperience(id: $id, input: {description: "New text."}) { id } }',
        {"id": experience_id},
    )
    assert (await ada(PROFILE))["data"]["profile"]["experiences"][0]["enhancedDescription"] is None


async def test_enhance_with_groq_refuses_invented_claims(tmp_path: Path, database_url: str) -> None:
    state = Stub()
    stub = Starlette(routes=[Route("/openai/v1/chat/completions", state.completions, methods=["POST"])])
    async with live_server(stub) as address:
        settings = make_settings(tmp_path, database_url, groq_api_key="gsk_test", groq_base_url=f"http://{address}")
        async with running(create_app(settings)) as app, http_client(app) as client:
            gql = GraphQL(client)
            ada = gql.as_user((await register(gql))["token"])
            experience_id = await build_profile(ada)
            state.script = [("json", {"tone": "warm", "characteristic_phrases": []})]
            await upload(ada, LETTER.encode())
            state.script = [
                (
                    "json",
                    {
                        "sections": [
                            {"id": "summary", "text": "Backend engineer with 7 years of experience."},
                            {"id": experience_id, "text": "Migrated 40 services to Kubernetes at Google."},
                        ]
                    },
                )
            ]
            result = (await ada(ENHANCE))["data"]["enhanceProfile"]
            assert result["llmMetadata"]["provider"] == "groq" and result["sectionsEnhanced"] == 1
            assert any("Google" in w for w in result["warnings"])
            profile = (await ada(PROFILE))["data"]["profile"]
            assert profile["enhancedSummary"] == "Backend engineer with 7 years of experience."
            assert profile["experiences"][0]["enhancedDescription"] is None  # refused: keeps only the original
