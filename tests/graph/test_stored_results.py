"""Stored results through one codec (storage/codec.py): rows written before it (camelCase keys, no version)
answer the API as they did then, and the rows written now are snake_case objects that carry their version."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from starlette.applications import Starlette

from storage.analyses import Analysis, CachedScore
from storage.db import transaction, utcnow
from storage.improvements import Improvement
from storage.ranking import Ranking
from storage.resumes import Resume
from tests.support.client import GraphQL
from tests.support.documents import make_pdf
from tests.support.operations import CREATE_JOB, SUBMIT, UPLOAD, submit
from tests.support.people import register
from tests.support.texts import FIXTURES, JOB_TEXT, WEAK_RESUME

# Rows as the code before the codec wrote them (real ones, from commit 84453d1), and the API's answers then.
BEFORE = json.loads((FIXTURES / "stored" / "before_codec.json").read_text())
MATCH_RESULT = """matchPercentage recommendationLevel breakdown { skillsMatch experienceMatch requirementsMatch }
  matchedSkills semanticSkills missingSkills strengths improvements evidence { skill how foundAs section line }"""
SCORE = """overallScore grade totalExperienceYears strengths improvements recommendations
  breakdown { completeness experience skills certifications impact formatting }"""
IMPROVEMENT = """originalScore improvedScore originalAtsScore improvedAtsScore
  originalBreakdown { skillsMatch experienceMatch requirementsMatch }
  improvedBreakdown { skillsMatch experienceMatch requirementsMatch }
  matchedKeywords semanticKeywords missingKeywords suggestions { text reasoning priority expectedImpact section }
  improvedResumeText diff { section heading original improved changed added removed notes } warnings
  llmMetadata { provider model promptTokens completionTokens totalTokens latencyMs }"""
RANKING = """status rationale llmMetadata { provider model promptTokens completionTokens totalTokens latencyMs }
  rankedExperiences { relevanceScore matchedKeywords item { id company } }
  rankedProjects { relevanceScore matchedKeywords item { id name } } keywordMatches { skill count }"""
PARSED = """name email phone location links summary skills
  experiences { title company location start end current bullets } projects { name description technologies }
  education { institution degree fieldOfStudy end } certifications { name year }"""
ANALYSES = f"query ($r: ID!) {{ analyses(resumeId: $r) {{ edges {{ node {{ result {{ {MATCH_RESULT} }} }} }} }} }}"
MATCH = f"query ($r: ID!, $j: ID!) {{ match(resumeId: $r, jobId: $j) {{ result {{ {MATCH_RESULT} }} }} }}"
RESUME_SCORE = f"query ($r: ID!) {{ resumeScore(resumeId: $r) {{ cached {SCORE} }} }}"
STORED_IMPROVEMENT = f"query ($r: ID!, $j: ID!) {{ improvement(resumeId: $r, jobId: $j) {{ id {IMPROVEMENT} }} }}"
IMPROVEMENTS = f"query ($r: ID!) {{ improvements(resumeId: $r) {{ edges {{ node {{ {IMPROVEMENT} }} }} }} }}"
IMPROVE = "mutation ($r: ID!, $j: ID!) { improveResume(resumeId: $r, jobId: $j) { id } }"
STORED_RANKING = f"query ($j: ID!) {{ ranking(jobId: $j) {{ id cached {RANKING} }} }}"
RANK = f"mutation ($j: ID!) {{ rankContent(input: {{jobId: $j}}) {{ id {RANKING} }} }}"
RESUME = f"query ($id: ID!) {{ resume(id: $id) {{ parsed {{ {PARSED} }} }} }}"
IMPORT = "mutation ($id: ID!) { importProfileFromResume(resumeId: $id, mode: REPLACE) { added } }"
PROFILE_ITEMS = "{ profile { experiences { id company } projects { id name } } }"
SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


def data(body: dict[str, Any]) -> Any:
    assert "errors" not in body, body
    return body["data"]


def camel_keys(value: Any) -> Any:
    """JSON with its object keys as GraphQL names them (`field_of_study` → `fieldOfStudy`)."""
    if isinstance(value, dict):
        return {re.sub(r"_([a-z])", lambda m: m.group(1).upper(), k): camel_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel_keys(item) for item in value]
    return value


def with_ids(value: Any, ids: dict[str, str]) -> Any:
    """The fixture with its placeholder item ids (`experience:<company>`, `project:<name>`) made real."""
    if isinstance(value, dict):
        return {key: ids.get(item, item) if key == "id" else with_ids(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [with_ids(item, ids) for item in value]
    return value


async def person(gql: GraphQL, email: str) -> tuple[GraphQL, str]:
    registered = await register(gql, email)
    return gql.as_user(registered["token"]), registered["user"]["id"]


async def maya_with_profile(gql: GraphQL) -> tuple[GraphQL, str, str, str, dict[str, str]]:
    """Maya with her resume, the profile imported from it and the data engineer job: (client, user id, resume id,
    job id, placeholder → profile item id)."""
    maya, user_id = await person(gql, "maya@example.com")
    pdf = make_pdf((FIXTURES / "resumes" / "maya_chen.txt").read_text())
    resume_id = data((await maya.upload(UPLOAD, {}, pdf, "maya.pdf")).json())["uploadResume"]["resume"]["id"]
    data(await maya(IMPORT, {"id": resume_id}))
    job_text = (FIXTURES / "jobs" / "data_engineer.txt").read_text()
    job_id = data(await maya(CREATE_JOB, {"text": job_text}))["createJob"]["id"]
    profile = data(await maya(PROFILE_ITEMS))["profile"]
    ids = {f"experience:{e['company']}": e["id"] for e in profile["experiences"]}
    ids |= {f"project:{p['name']}": p["id"] for p in profile["projects"]}
    return maya, user_id, resume_id, job_id, ids


async def test_rows_written_before_the_codec_answer_as_they_did(gql: GraphQL, app: Starlette) -> None:
    sessions = app.state.services.sessions
    maya, user_id, resume_id, job_id, ids = await maya_with_profile(gql)
    score = data(await maya(RESUME_SCORE, {"r": resume_id}))["resumeScore"]  # computed now, cached by its inputs
    assert score["cached"] is False
    now = utcnow()
    pair = {"user_id": user_id, "resume_id": resume_id, "job_id": job_id, "inputs_hash": "0" * 64}
    async with transaction(sessions) as session:
        session.add(Analysis(**pair, **BEFORE["analysis"]["row"], created_at=now, expires_at=now + timedelta(days=1)))
        session.add(Improvement(**pair, **BEFORE["improvement"]["row"]))
        ranking = with_ids(BEFORE["ranking"]["row"], ids)
        session.add(Ranking(user_id=user_id, job_id=job_id, inputs_hash="0" * 64, **ranking))
        await session.execute(update(Resume).where(Resume.id == resume_id).values(**BEFORE["resume"]["row"]))
        await session.execute(update(CachedScore).values(**BEFORE["score"]["row"]))

    (analysis,) = data(await maya(ANALYSES, {"r": resume_id}))["analyses"]["edges"]
    assert analysis["node"]["result"] == BEFORE["analysis"]["answer"]
    cached = data(await maya(RESUME_SCORE, {"r": resume_id}))["resumeScore"]
    assert cached.pop("cached") is True and cached == BEFORE["score"]["answer"]
    improvement = data(await maya(STORED_IMPROVEMENT, {"r": resume_id, "j": job_id}))["improvement"]
    assert {k: v for k, v in improvement.items() if k != "id"} == BEFORE["improvement"]["answer"]
    (listed,) = data(await maya(IMPROVEMENTS, {"r": resume_id}))["improvements"]["edges"]
    assert listed["node"] == BEFORE["improvement"]["answer"]
    ranked = data(await maya(STORED_RANKING, {"j": job_id}))["ranking"]
    assert ranked.pop("cached") is True
    assert {k: v for k, v in ranked.items() if k != "id"} == with_ids(BEFORE["ranking"]["answer"], ids)
    parsed = data(await maya(RESUME, {"id": resume_id}))["resume"]["parsed"]
    assert parsed == camel_keys(BEFORE["resume"]["answer"])  # the raw JSON then, the typed fields now
    assert data(await maya(IMPORT, {"id": resume_id}))["importProfileFromResume"]["added"] > 0

    # The services that read these results beside the API (feedback's answer and context) read them too.
    async with sessions() as session:
        analysis_id = (await session.scalars(select(Analysis.id).where(Analysis.user_id == user_id))).one()
    subjects = {"ANALYSIS": analysis_id, "IMPROVEMENT": improvement["id"], "RANKING": ranked["id"]}
    answers = {kind: data(await maya(SUBMIT, submit(kind, subject, 5))) for kind, subject in subjects.items()}
    assert answers["IMPROVEMENT"]["submitFeedback"]["response"] == BEFORE["improvement"]["answer"]["improvedResumeText"]
    answered = json.loads(answers["ANALYSIS"]["submitFeedback"]["response"])
    assert answered["percentage"] == BEFORE["analysis"]["row"]["match_percentage"]
    assert answered["matched_skills"] == BEFORE["analysis"]["answer"]["matchedSkills"]
    assert answers["RANKING"]["submitFeedback"]["response"] == BEFORE["ranking"]["row"]["rationale"]


def stored_objects(value: Any) -> Iterator[dict[str, Any]]:
    """Every encoded object in a stored value (an object with a version), outermost first."""
    if isinstance(value, dict):
        if "v" in value:
            yield value
        for item in value.values():
            yield from stored_objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from stored_objects(item)


def assert_versioned_snake_case(value: dict[str, Any]) -> None:
    assert value["v"] == 1, value
    for found in stored_objects(value):
        assert found["v"] == 1 and all(SNAKE.fullmatch(key) for key in found), sorted(found)


async def test_new_rows_are_snake_case_objects_with_a_version(gql: GraphQL, app: Starlette) -> None:
    maya, user_id, resume_id, job_id, _ = await maya_with_profile(gql)
    data(await maya(RANK, {"j": job_id}))
    data(await maya(MATCH, {"r": resume_id, "j": job_id}))
    data(await maya(RESUME_SCORE, {"r": resume_id}))
    sam, _ = await person(gql, "sam@example.com")
    weak = data((await sam.upload(UPLOAD, {}, WEAK_RESUME.encode(), "weak.txt")).json())["uploadResume"]["resume"]
    backend = data(await sam(CREATE_JOB, {"text": JOB_TEXT}))["createJob"]["id"]
    data(await sam(IMPROVE, {"r": weak["id"], "j": backend}))

    async with app.state.services.sessions() as session:
        analysis = (await session.scalars(select(Analysis.result))).one()
        score = (await session.scalars(select(CachedScore.result))).one()
        improvement = (await session.scalars(select(Improvement.result))).one()
        ranking = (await session.execute(select(Ranking.items, Ranking.keyword_matches, Ranking.llm_metadata))).one()
        parsed = (await session.scalars(select(Resume.parsed).where(Resume.id == resume_id))).one()

    assert_versioned_snake_case(analysis)
    assert {"matched_skills", "missing_skills", "evidence"} <= set(analysis) and analysis["evidence"][0]["v"] == 1
    assert_versioned_snake_case(score)
    assert {"overall", "total_experience_years"} <= set(score)
    assert_versioned_snake_case(improvement)
    assert {"improved_resume_text", "original_ats_score", "llm_metadata", "matched_keywords"} <= set(improvement)
    assert improvement["original"]["v"] == improvement["suggestions"][0]["v"] == improvement["diff"][0]["v"] == 1
    assert improvement["llm_metadata"]["total_tokens"] == 0  # the offline provider spends none
    items, keyword_matches, llm_metadata = ranking
    for item in items:
        assert_versioned_snake_case(item)
        assert set(item) == {"v", "id", "kind", "score", "matched"}
    assert_versioned_snake_case(llm_metadata)
    assert keyword_matches and all(isinstance(count, int) for count in keyword_matches.values())  # skill → count
    assert_versioned_snake_case(parsed)
    assert parsed["education"][0]["field_of_study"] == "Computer Science" and parsed["experiences"][0]["v"] == 1
