"""rankContent and ranking through the API: quality on the fixtures, caching, scoping."""

from __future__ import annotations

from tests.support.client import GraphQL, error_codes
from tests.support.operations import RANK
from tests.support.people import job, person_with_profile, register


async def test_the_roles_a_person_would_pick_come_first(gql: GraphQL) -> None:
    maya = await person_with_profile(gql)
    data = (await maya(RANK, {"input": {"jobId": await job(maya, "data_engineer")}}))["data"]["rankContent"]
    assert data["rankedExperiences"][0]["item"]["company"] == "Brightleaf Analytics"  # Airflow and Snowflake
    assert {"Airflow", "Snowflake"} <= set(data["rankedExperiences"][0]["matchedKeywords"])
    backend = (await maya(RANK, {"input": {"jobId": await job(maya, "senior_backend_python")}}))["data"]["rankContent"]
    assert backend["rankedExperiences"][0]["item"]["company"] == "Northwind Logistics"  # GraphQL, Kubernetes, AWS
    scores = [e["relevanceScore"] for e in backend["rankedExperiences"]]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    assert backend["llmMetadata"]["provider"] == "local" and "ranks first" in backend["rationale"]
    assert {m["skill"] for m in backend["keywordMatches"]} >= {"Python", "Kubernetes"}


async def test_cache_follows_the_inputs(gql: GraphQL) -> None:
    maya = await person_with_profile(gql)
    job_id = await job(maya, "frontend_react")
    assert error_codes(await maya("query ($id: ID!) { ranking(jobId: $id) { cached } }", {"id": job_id})) == [
        "NOT_FOUND"
    ]
    first = (await maya(RANK, {"input": {"jobId": job_id}}))["data"]["rankContent"]
    again = (await maya(RANK, {"input": {"jobId": job_id}}))["data"]["rankContent"]
    assert (first["cached"], again["cached"]) == (False, True)
    assert (await maya(RANK, {"input": {"jobId": job_id, "force": True}}))["data"]["rankContent"]["cached"] is False
    experience_id = first["rankedExperiences"][-1]["item"]["id"]
    await maya(
        'mutation ($id: ID!) { updateExperience(id: $id, input: {description: "Built React apps."}) { id } }',
        {"id": experience_id},
    )
    after_edit = (await maya(RANK, {"input": {"jobId": job_id}}))["data"]["rankContent"]
    assert after_edit["cached"] is False
    prompted = (await maya(RANK, {"input": {"jobId": job_id, "customPrompt": "React"}}))["data"]["rankContent"]
    assert prompted["cached"] is False
    stored = (
        await maya(
            "query ($id: ID!) { ranking(jobId: $id) { cached rankedExperiences { item { id } } } }", {"id": job_id}
        )
    )["data"]["ranking"]
    assert stored["cached"] is True and len(stored["rankedExperiences"]) == 3


async def test_scoping_and_preconditions(gql: GraphQL) -> None:
    maya = await person_with_profile(gql)
    job_id = await job(maya, "data_engineer")
    bob = gql.as_user((await register(gql, "bob@example.com"))["token"])
    assert error_codes(await bob(RANK, {"input": {"jobId": job_id}})) == ["NOT_FOUND"]
    own = await job(bob, "data_engineer")
    assert error_codes(await bob(RANK, {"input": {"jobId": own}})) == ["PRECONDITION_FAILED"]
    assert error_codes(await maya(RANK, {"input": {"jobId": job_id, "customPrompt": "x" * 501}})) == ["BAD_USER_INPUT"]
