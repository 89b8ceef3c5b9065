"""Generations' stored results through one codec (storage/codec.py, domain/generations/results.py): rows written
before it (camelCase keys, no version) answer the API as they did then and as a new row does, and the rows
written now hold snake_case objects that carry their version."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from starlette.applications import Starlette

from storage.db import transaction
from storage.generations import Generation
from tests.support.client import GraphQL
from tests.support.operations import LETTER_MUTATION, RESUME, SUBMIT, submit
from tests.support.people import job, person_with_profile
from tests.support.texts import FIXTURES, LETTER
from tests.support.uploads import upload_sample

# Rows as the code before the codec wrote them (real ones, from commit 84453d1), and the API's answers then.
BEFORE = json.loads((FIXTURES / "stored" / "generations_before_codec.json").read_text())
RESULTS = """documentType status jobTitle company content atsScore warnings
  atsFeedback { parts { name score weight } matchedKeywords missingKeywords notes }
  contentUsed { experienceIds projectIds experiencesCount projectsCount skillsCount educationCount
                certificationsCount summaryIncluded summaryEnhanced enhancedItems skillsHighlighted
                writingStyleApplied sampleId }
  options { maxExperiences maxProjects includeSummary companyName hiringManagerName maxParagraphs customPrompt format }
  llmMetadata { provider model promptTokens completionTokens totalTokens latencyMs }"""
ONE = f"query ($id: ID!) {{ generation(id: $id) {{ {RESULTS} }} }}"
HISTORY = f"{{ generations(first: 10) {{ totalCount edges {{ node {{ id {RESULTS} }} }} }} }}"
# What the fixture's documents were asked for with.
ASKED = {
    "RESUME": (RESUME, {"customPrompt": "Highlight Airflow", "format": "MARKDOWN", "maxProjects": 2}),
    "COVER_LETTER": (
        LETTER_MUTATION,
        {"hiringManagerName": "Sarah Johnson", "companyName": "Acme Data", "maxParagraphs": 5},
    ),
}
SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
COLUMNS = ("options", "inputs", "content_used", "ats_feedback", "llm_metadata")


def data(body: dict[str, Any]) -> Any:
    assert "errors" not in body, body
    return body["data"]


def answered(node: dict[str, Any], row: Generation) -> dict[str, Any]:
    """An answer with `content` named by the column it came from, as the fixture names it."""
    content = {row.content_markdown: "MARKDOWN", row.content_text: "TEXT"}[node["content"]]
    return {**node, "content": content}


def same_apart_from_ids(answer: dict[str, Any]) -> dict[str, Any]:
    """An answer less what differs between two runs of the same request: the profile's and sample's ids and
    the model's latency."""
    used = {k: v for k, v in answer["contentUsed"].items() if k not in {"experienceIds", "projectIds", "sampleId"}}
    metadata = {k: v for k, v in answer["llmMetadata"].items() if k != "latencyMs"}
    return {**answer, "contentUsed": used, "llmMetadata": metadata}


async def maya_with_documents(gql: GraphQL) -> tuple[GraphQL, str, str, dict[str, str]]:
    """Maya with a cover-letter sample, the data engineer job, and a resume and a letter generated for it as
    the fixture's were: (client, user id, job id, document type → generation id)."""
    maya = await person_with_profile(gql)
    assert "errors" not in await upload_sample(maya, LETTER.encode())
    user_id = data(await maya("{ me { id } }"))["me"]["id"]
    job_id = await job(maya, "data_engineer")
    made = {}
    for kind, (mutation, asked) in ASKED.items():
        body = data(await maya(mutation, {"input": {"jobId": job_id, **asked}}))
        made[kind] = next(iter(body.values()))["id"]
    return maya, user_id, job_id, made


async def test_rows_written_before_the_codec_answer_as_they_did_and_as_new_rows_do(
    gql: GraphQL, app: Starlette
) -> None:
    sessions = app.state.services.sessions
    maya, user_id, job_id, made = await maya_with_documents(gql)
    old_ids = {}
    async with transaction(sessions) as session:
        for kind in made:
            row = Generation(
                user_id=user_id,
                job_id=job_id,
                document_type=kind,
                status="COMPLETED",
                content_text="TEXT",
                content_markdown="MARKDOWN",
                **BEFORE[kind]["row"],
            )
            session.add(row)
            await session.flush()
            old_ids[kind] = row.id

    async with sessions() as session:
        rows = {row.id: row for row in await session.scalars(select(Generation))}
    for kind in made:
        old = answered(data(await maya(ONE, {"id": old_ids[kind]}))["generation"], rows[old_ids[kind]])
        assert old == BEFORE[kind]["answer"]  # as the API answered for the row when it was written
        new = answered(data(await maya(ONE, {"id": made[kind]}))["generation"], rows[made[kind]])
        assert same_apart_from_ids(new) == same_apart_from_ids(old)  # and as it answers for a new row
    history = data(await maya(HISTORY))["generations"]
    assert history["totalCount"] == 4
    listed = {edge["node"].pop("id"): edge["node"] for edge in history["edges"]}
    for kind, generation_id in old_ids.items():
        assert answered(listed[generation_id], rows[generation_id]) == BEFORE[kind]["answer"]

    # Feedback reads the options asked for (the resume's prompt) from old rows too.
    rated = data(await maya(SUBMIT, submit("GENERATION", old_ids["RESUME"], 5)))["submitFeedback"]
    assert rated["query"] == "Write a tailored resume for Data Engineer at Acme Retail Group. Highlight Airflow"
    assert rated["response"] == "TEXT"


def assert_snake_case_with_version(value: Any) -> None:
    """Every object in a stored value has snake_case keys, and every object the codec wrote carries `v`."""
    if isinstance(value, dict):
        assert all(SNAKE.fullmatch(key) for key in value), sorted(value)
        for item in value.values():
            assert_snake_case_with_version(item)
    elif isinstance(value, list):
        for item in value:
            assert_snake_case_with_version(item)


async def test_new_rows_hold_snake_case_objects_with_a_version(gql: GraphQL, app: Starlette) -> None:
    _, _, _, made = await maya_with_documents(gql)
    async with app.state.services.sessions() as session:
        rows = {row.document_type: row for row in await session.scalars(select(Generation))}
    for kind, row in rows.items():
        assert row.id == made[kind]
        for column in COLUMNS:
            stored = getattr(row, column)
            assert stored["v"] == 1, (kind, column, stored)
            assert_snake_case_with_version(stored)

    resume, letter = rows["RESUME"], rows["COVER_LETTER"]
    assert resume.options == {
        "v": 1,
        "max_experiences": 5,
        "max_projects": 2,
        "include_summary": True,
        "custom_prompt": "Highlight Airflow",
        "format": "MARKDOWN",
    }
    assert letter.options == {
        "v": 1,
        "company_name": "Acme Data",
        "hiring_manager_name": "Sarah Johnson",
        "max_paragraphs": 5,
        "custom_prompt": None,
    }
    assert set(resume.ats_feedback["breakdown"]) == {"keywords", "sections", "quantified", "action_verbs", "length"}
    assert {"matched_keywords", "missing_keywords", "notes"} <= set(resume.ats_feedback)
    assert resume.content_used["experience_ids"] and resume.content_used["skills_count"] > 0
    assert letter.content_used["writing_style_applied"] is True and letter.content_used["sample_id"]
    assert resume.inputs["prompt_terms"] == ["Airflow"] and letter.inputs["company"] == "Acme Data"
    assert resume.inputs["ranked_ids"] == letter.inputs["ranked_ids"] and resume.inputs["ranking_inputs_hash"]
    assert datetime.fromisoformat(resume.inputs["profile_updated_at"]).tzinfo is not None
    assert resume.llm_metadata == {
        "v": 1,
        "provider": "none",
        "model": "none",
        "prompt_tokens": 0,
        "completion_tokens": 0,
        "total_tokens": 0,
        "latency_ms": 0.0,
    }
    assert letter.llm_metadata["provider"] == "local"
