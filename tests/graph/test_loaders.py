"""Every list query reads its related rows through graph/loaders.py: the statements a page costs do not
grow with the page. Each list is read as a page of 3 rows and a page of 12 rows (each row with its own
job and resume, so a loader sees 12 distinct keys) and both must cost the same number of statements."""

from __future__ import annotations

import uuid
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

from sqlalchemy import inspect, select
from starlette.applications import Starlette

from storage.analyses import Analysis
from storage.db import transaction
from storage.feedback import Feedback
from storage.generations import Generation
from storage.improvements import Improvement
from storage.jobs import Job
from storage.resumes import Resume
from tests.support.client import GraphQL
from tests.support.operations import ADD, PROFILE, SAMPLE, SUBMIT, submit
from tests.support.people import register, subjects
from tests.support.statements import statements as recorded

COPIES = 12
WORKER = ("index_outbox", "embedding_cache")  # the index worker shares the engine; its reads are not the page's

JOB = "id title analysisCount"
RESUME = "id filename"
LISTS = {
    "jobs": f"query ($first: Int) {{ jobs(first: $first) {{ totalCount edges {{ node {{ {JOB} }} }} }} }}",
    "resumes": f"query ($first: Int) {{ resumes(first: $first) {{ totalCount edges {{ node {{ {RESUME} }} }} }} }}",
    "generations": f"""query ($first: Int) {{ generations(first: $first) {{ totalCount edges {{ node {{
        id jobTitle company job {{ {JOB} }} }} }} }} }}""",
    "analyses": f"""query ($first: Int) {{ analyses(first: $first) {{ totalCount edges {{ node {{
        id job {{ {JOB} }} resume {{ {RESUME} }} }} }} }} }}""",
    "improvements": f"""query ($first: Int) {{ improvements(first: $first) {{ totalCount edges {{ node {{
        id job {{ {JOB} }} resume {{ {RESUME} }} }} }} }} }}""",
    "feedback": f"""query ($first: Int) {{ feedback(first: $first) {{ totalCount edges {{ node {{
        id subjectType subjectId job {{ {JOB} }} }} }} }} }}""",
}
# The statements each list costs, whatever the page's size: the caller, the page, its total, then one per
# relation (jobs, resumes, the jobs' analysis counts).
EXPECTED = {"jobs": 4, "resumes": 3, "generations": 5, "analyses": 6, "improvements": 6, "feedback": 5}


def statements(app: Starlette) -> AbstractContextManager[list[str]]:
    """The SELECTs the app runs inside the block (the index worker's own left out)."""
    return recorded(app, lambda s: s.lstrip().upper().startswith("SELECT") and not any(w in s for w in WORKER))


def copy(row: Any, **changes: Any) -> Any:
    """A new row with the same columns as `row`, but for `changes` and a fresh id."""
    values = {attr.key: getattr(row, attr.key) for attr in inspect(type(row)).column_attrs}
    values.update(id=str(uuid.uuid4()), **changes)
    return type(row)(**values)


async def twelve_of_everything(gql: GraphQL, app: Starlette) -> GraphQL:
    """Maya with one of each subject made through the API, then copies in the database until every list
    holds more than 12 rows, each copy with a job and a resume of its own."""
    maya, _job_id, ids = await subjects(gql)
    body = await maya(SUBMIT, submit("GENERATION", ids["GENERATION"], 5, comment="Sharp"))
    assert "errors" not in body, body
    await app.state.services.indexer.drain()
    async with transaction(app.state.services.sessions) as session:
        generation = await session.get(Generation, ids["GENERATION"])
        analysis = await session.get(Analysis, ids["ANALYSIS"])
        improvement = await session.get(Improvement, ids["IMPROVEMENT"])
        feedback = (await session.scalars(select(Feedback))).one()
        job = await session.get(Job, analysis.job_id)
        resume = await session.get(Resume, analysis.resume_id)
        for i in range(COPIES):
            later = timedelta(seconds=i + 1)
            new_job = copy(job, content_hash=f"{i:064x}", title=f"Job {i}", created_at=job.created_at + later)
            new_resume = copy(resume, content_hash=f"{i:064x}", filename=f"resume-{i}.pdf")
            session.add_all([new_job, new_resume])
            await session.flush()
            new_generation = copy(generation, job_id=new_job.id, created_at=generation.created_at + later)
            links = {"job_id": new_job.id, "resume_id": new_resume.id}
            session.add_all(
                [
                    new_generation,
                    copy(analysis, **links, created_at=analysis.created_at + later),
                    copy(improvement, **links, updated_at=improvement.updated_at + later),
                ]
            )
            await session.flush()
            session.add(copy(feedback, subject_id=new_generation.id, job_id=new_job.id))
    return maya


async def test_every_list_costs_the_same_statements_for_3_rows_as_for_12(gql: GraphQL, app: Starlette) -> None:
    maya = await twelve_of_everything(gql, app)
    for name, query in LISTS.items():
        counts = []
        for first in (3, COPIES):
            with statements(app) as seen:
                body = await maya(query, {"first": first})
            assert "errors" not in body, (name, body)
            page = next(iter(body["data"].values()))
            assert len(page["edges"]) == first and page["totalCount"] > COPIES, (name, page)
            for edge in page["edges"]:  # every related row is found, not silently dropped
                assert all(edge["node"].get(k) is not None for k in ("job", "resume") if k in edge["node"]), edge
            counts.append(len(seen))
        assert counts == [EXPECTED[name]] * 2, (name, counts)


async def test_the_profiles_sections_cost_the_same_statements_for_3_items_as_for_12(
    gql: GraphQL, app: Starlette
) -> None:
    ada = gql.as_user((await register(gql, "ada@example.com"))["token"])
    counts = []
    added = 0
    for size in (3, COPIES):
        for i in range(added, size):
            for section, sample in SAMPLE.items():
                named = {"name": f"Item {i}"} if "name" in sample else {}
                body = await ada(ADD[section], {"input": {**sample, **named}})
                assert "errors" not in body, body
        added = size
        await app.state.services.indexer.drain()
        with statements(app) as seen:
            profile = (await ada(PROFILE))["data"]["profile"]
        assert all(len(profile[section]) == size for section in SAMPLE), profile
        counts.append(len(seen))
    # the caller, the profile, and one statement per section (totalExperienceYears shares experiences')
    assert counts == [7, 7], counts


async def test_lists_in_one_operation_share_its_loaders(gql: GraphQL, app: Starlette) -> None:
    """Two lists in one operation share the operation's loaders: a job both name is read once."""
    maya = await twelve_of_everything(gql, app)
    both = f"""{{ analyses(first: 12) {{ edges {{ node {{ job {{ {JOB} }} }} }} }}
      improvements(first: 12) {{ edges {{ node {{ job {{ {JOB} }} resume {{ id }} }} }} }} }}"""
    with statements(app) as seen:
        body = await maya(both)
    assert "errors" not in body, body
    reads = [s for s in seen if "FROM jobs" in s or "FROM resumes" in s or ("count(*)" in s and "GROUP BY" in s)]
    assert len(reads) == 3, reads  # the jobs, the resumes, the jobs' analysis counts: once each
