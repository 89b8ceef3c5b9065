"""People the API tests act as: a registered account, someone with a resume and a job to improve, a profile
imported from a resume, a generated resume, and one of each feedback subject. Many test modules start here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.client import GraphQL
from tests.support.documents import make_pdf
from tests.support.improvements import MUTATE as IMPROVE
from tests.support.operations import CREATE_JOB, MATCH, RANK, REGISTER, RESUME, SIGNED_RESUME, UPLOAD
from tests.support.texts import DATA_ENGINEER, FIXTURES, JOB_TEXT, WEAK_RESUME
from tests.support.uploads import upload_resume

PASSWORD = "correct horse"


async def register(gql: GraphQL, email: str = "ada@example.com", password: str = PASSWORD) -> dict[str, Any]:
    body = await gql(REGISTER, {"email": email, "password": password})
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["register"]
    return payload


@dataclass
class Person:
    gql: GraphQL
    token: str
    resume_id: str
    job_id: str

    def pair(self, again: bool = False) -> dict[str, Any]:
        return {"r": self.resume_id, "j": self.job_id, "a": again}


async def person(
    client: httpx.AsyncClient, email: str = "sam@example.com", resume: str = WEAK_RESUME, job: str = JOB_TEXT
) -> Person:
    """Someone with a resume and a job: what improving one for the other needs."""
    token = (await register(GraphQL(client), email))["token"]
    gql = GraphQL(client, token)
    uploaded = (await gql.upload(UPLOAD, {}, resume.encode(), "resume.txt")).json()
    assert "errors" not in uploaded, uploaded
    created = await gql(CREATE_JOB, {"text": job})
    assert "errors" not in created, created
    return Person(gql, token, uploaded["data"]["uploadResume"]["resume"]["id"], created["data"]["createJob"]["id"])


async def person_with_profile(gql: GraphQL) -> GraphQL:
    """Maya, her profile imported from her resume (a PDF)."""
    maya = gql.as_user((await register(gql, "maya@example.com"))["token"])
    pdf = make_pdf((FIXTURES / "resumes" / "maya_chen.txt").read_text())
    resume_id = (await upload_resume(maya, pdf))["data"]["uploadResume"]["resume"]["id"]
    await maya(
        "mutation ($id: ID!) { importProfileFromResume(resumeId: $id, mode: REPLACE) { added } }", {"id": resume_id}
    )
    return maya


async def job(gql: GraphQL, name: str) -> str:
    """A job from tests/fixtures/jobs/<name>.txt; its id."""
    body = await gql(CREATE_JOB, {"text": (FIXTURES / "jobs" / f"{name}.txt").read_text()})
    return str(body["data"]["createJob"]["id"])


async def person_with_resume(gql: GraphQL, email: str) -> tuple[GraphQL, dict[str, Any]]:
    """Someone with a small profile and a resume generated for the data engineer job (with signed links)."""
    person = gql.as_user((await register(gql, email, PASSWORD))["token"])
    await person('mutation { updateProfile(input: {fullName: "Ada Lovelace"}) { id } }')
    await person(
        "mutation ($input: ExperienceInput!) { addExperience(input: $input) { id } }",
        {"input": {"title": "Data Engineer", "company": "Analytical", "startMonth": "2020-01", "description": "Built"}},
    )
    created = await person("mutation ($t: String!) { createJob(input: {rawText: $t}) { id } }", {"t": DATA_ENGINEER})
    body = await person(SIGNED_RESUME, {"job": created["data"]["createJob"]["id"]})
    assert "errors" not in body, body
    return person, body["data"]["generateResume"]


async def subjects(gql: GraphQL) -> tuple[GraphQL, str, dict[str, str]]:
    """Maya with one of each subject for the backend job: (her client, the job id, subject type → id)."""
    maya = await person_with_profile(gql)
    job_id = await job(maya, "senior_backend_python")
    rank_with_id = RANK.replace("jobId cached", "id jobId cached")
    ranking = (await maya(rank_with_id, {"input": {"jobId": job_id}}))["data"]["rankContent"]["id"]
    generation = (await maya(RESUME, {"input": {"jobId": job_id}}))["data"]["generateResume"]["id"]
    uploaded = (await maya.upload(UPLOAD, {}, WEAK_RESUME.encode(), "weak.txt")).json()
    resume_id = uploaded["data"]["uploadResume"]["resume"]["id"]
    analysis = (await maya(MATCH, {"resume": resume_id, "job": job_id}))["data"]["match"]["id"]
    improvement = (await maya(IMPROVE, {"r": resume_id, "j": job_id}))["data"]["improveResume"]["id"]
    ids = {"GENERATION": generation, "RANKING": ranking, "ANALYSIS": analysis, "IMPROVEMENT": improvement}
    return maya, job_id, ids
