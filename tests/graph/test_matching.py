"""Scores, matches, analyses and recommendations through the API: calibration on the fixtures and
more pairs, caching and invalidation, scoping, many jobs at once, vector recommendations and clusters."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from graph.server.app import create_app
from tests.support.client import GraphQL, error_codes
from tests.support.documents import make_pdf
from tests.support.operations import CREATE_JOB, MATCH
from tests.support.people import register
from tests.support.servers import http_client, running
from tests.support.settings import make_settings
from tests.support.uploads import upload_resume

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SCORE = """query ($id: ID!) { resumeScore(resumeId: $id) {
  overallScore grade totalExperienceYears strengths improvements recommendations cached computedAt
  breakdown { completeness experience skills certifications impact formatting } } }"""
COMPARE = """query ($resume: ID!, $jobs: [ID!]!, $limit: Int) {
  compareResumeToJobs(resumeId: $resume, jobIds: $jobs, limit: $limit) {
    job { id title } result { matchPercentage recommendationLevel matchedSkills } } }"""
JOBS = ("senior_backend_python", "data_engineer", "frontend_react")
SRE_RESUME = """Priya Raman
priya.raman@example.com · +1 415 555 0110

Summary
Site reliability engineer keeping payment platforms up for six years.

Experience
Senior SRE — Tollbridge Payments, Mar 2021 – Present
- Ran 40 Kubernetes clusters on AWS with Terraform and Helm; cut provisioning time by 70%.
- Built Prometheus and Grafana alerting; pages per week fell from 35 to 6.
- Led incident reviews and the on-call rotation for 12 engineers.
Systems Engineer — Northgate Hosting, Jun 2018 – Feb 2021
- Automated Linux fleet patching with Ansible across 900 hosts.
- Wrote Go and Python tooling for capacity planning.

Skills
Kubernetes, Terraform, AWS, Helm, Prometheus, Grafana, Ansible, Linux, Go, Python, Docker

Education
B.Eng. Computer Engineering, University of Waterloo, 2018
"""
SRE_JOB = """Site Reliability Engineer — Cobalt Cloud
Location: Remote

You will keep our multi-region platform reliable and fast.

Requirements
- 4+ years running production Kubernetes on AWS or GCP
- Infrastructure as code with Terraform
- Monitoring and alerting with Prometheus and Grafana
- Scripting in Go or Python
- Experience leading incident response and on-call

Nice to have
- Helm, Ansible, Linux kernel tuning
"""
IOS_RESUME = """Tomás Lindqvist
tomas@example.com · +46 70 555 0101

Summary
iOS developer building consumer apps in Swift for seven years.

Experience
Senior iOS Developer — Fjord Apps, Jan 2020 – Present
- Rebuilt the banking app in SwiftUI; crash-free sessions rose to 99.8%.
- Introduced XCTest UI tests and a CI pipeline with Fastlane; release time down 50%.
iOS Developer — Nordlicht Media, Aug 2017 – Dec 2019
- Shipped 6 apps in Swift and Objective-C with Core Data and UIKit.

Skills
Swift, SwiftUI, UIKit, Objective-C, Xcode, Core Data, XCTest, Fastlane, Git

Education
M.Sc. Software Engineering, KTH, 2017
"""
IOS_JOB = """Senior iOS Engineer — Brightwave
Location: Stockholm, Sweden

Requirements
- 5+ years building iOS apps in Swift
- SwiftUI and UIKit
- Unit and UI testing with XCTest
- App Store release process, Fastlane a plus
"""
GOOD = {
    ("maya_chen", "senior_backend_python"),
    ("daniel_okafor", "frontend_react"),
    ("sre", "sre"),
    ("ios", "ios"),
}
POOR = {
    ("maya_chen", "frontend_react"),
    ("daniel_okafor", "senior_backend_python"),
    ("daniel_okafor", "data_engineer"),
    ("daniel_okafor", "sre"),
    ("sre", "frontend_react"),
    ("sre", "ios"),
    ("ios", "senior_backend_python"),
    ("ios", "data_engineer"),
    ("ios", "sre"),
    ("maya_chen", "ios"),
}


async def resume(gql: GraphQL, name: str, text: str | None = None) -> str:
    content = make_pdf(text if text is not None else (FIXTURES / "resumes" / f"{name}.txt").read_text())
    body = (await upload_resume(gql, content))["data"]
    return str(body["uploadResume"]["resume"]["id"])


async def job(gql: GraphQL, name: str, text: str | None = None) -> str:
    raw = text if text is not None else (FIXTURES / "jobs" / f"{name}.txt").read_text()
    return str((await gql(CREATE_JOB, {"text": raw}))["data"]["createJob"]["id"])


async def matched(gql: GraphQL, resume_id: str, job_id: str, **extra: Any) -> dict[str, Any]:
    body = await gql(MATCH, {"resume": resume_id, "job": job_id, **extra})
    assert "errors" not in body, body
    return dict(body["data"]["match"])


async def everything(gql: GraphQL) -> tuple[dict[str, str], dict[str, str]]:
    resumes = {name: await resume(gql, name) for name in ("maya_chen", "daniel_okafor")}
    resumes["sre"] = await resume(gql, "sre", SRE_RESUME)
    resumes["ios"] = await resume(gql, "ios", IOS_RESUME)
    jobs = {name: await job(gql, name) for name in JOBS}
    jobs["sre"] = await job(gql, "sre", SRE_JOB)
    jobs["ios"] = await job(gql, "ios", IOS_JOB)
    return resumes, jobs


async def test_calibration_every_good_pair_above_every_poor_pair(gql: GraphQL) -> None:
    ada = gql.as_user((await register(gql))["token"])
    resumes, jobs = await everything(ada)
    scores = {}
    for r, j in GOOD | POOR:
        scores[(r, j)] = (await matched(ada, resumes[r], jobs[j]))["result"]["matchPercentage"]
    worst_good = min(scores[pair] for pair in GOOD)
    best_poor = max(scores[pair] for pair in POOR)
    print(
        f"\ncalibration: worst good pair {worst_good}, best poor pair {best_poor}, margin {worst_good - best_poor:.1f}"
    )
    assert worst_good - best_poor >= 20, scores
    levels = {
        pair: (await matched(ada, resumes[pair[0]], jobs[pair[1]]))["result"]["recommendationLevel"] for pair in GOOD
    }
    assert set(levels.values()) <= {"EXCELLENT", "GOOD"}, levels


async def test_a_match_explains_itself(gql: GraphQL) -> None:
    ada = gql.as_user((await register(gql))["token"])
    maya, backend = await resume(ada, "maya_chen"), await job(ada, "senior_backend_python")
    result = (await matched(ada, maya, backend))["result"]
    assert {"Python", "Kubernetes", "PostgreSQL"} <= set(result["matchedSkills"])
    assert result["missingSkills"] and not set(result["missingSkills"]) & set(result["matchedSkills"])
    evidence = {e["skill"]: e for e in result["evidence"]}
    assert evidence["Kubernetes"]["how"] == "EXACT" and "Kubernetes" in evidence["Kubernetes"]["line"]
    assert evidence["Python"]["section"] in {"summary", "experience", "professional experience", "skills"}
    assert all(0 <= v <= 100 for v in result["breakdown"].values())
    assert result["strengths"] and any("Shows" in s for s in result["strengths"])
    data = (await matched(ada, maya, await job(ada, "data_engineer")))["result"]
    assert "SQL" in data["semanticSkills"] and "SQL" not in data["missingSkills"]  # close to her databases
    semantic = next(e for e in data["evidence"] if e["skill"] == "SQL")
    assert semantic["how"] == "SEMANTIC" and semantic["foundAs"] in {"Database Design", "PostgreSQL", "SQLite"}
    assert data["breakdown"]["skillsMatch"] < 50  # half credit for what is only close
    daniel = await resume(ada, "daniel_okafor")
    poor = (await matched(ada, daniel, backend))["result"]
    assert poor["recommendationLevel"] == "WEAK" and any("Not shown" in i for i in poor["improvements"])


async def test_matches_are_cached_until_their_inputs_change(gql: GraphQL) -> None:
    ada = gql.as_user((await register(gql))["token"])
    maya, backend = await resume(ada, "maya_chen"), await job(ada, "senior_backend_python")
    first = await matched(ada, maya, backend)
    again = await matched(ada, maya, backend)
    assert (first["cached"], again["cached"]) == (False, True) and again["id"] == first["id"]
    assert again["result"] == first["result"]  # a cached answer is the answer
    assert again["job"]["analysisCount"] == 1
    refreshed = await matched(ada, maya, backend, refresh=True)
    assert refreshed["cached"] is False and refreshed["id"] != first["id"] and refreshed["result"] == first["result"]
    edited = (FIXTURES / "jobs" / "senior_backend_python.txt").read_text() + "\n- Experience with Rust and Kafka.\n"
    await ada(
        "mutation ($id: ID!, $t: String!) { updateJob(input: {id: $id, rawText: $t}) { id } }",
        {"id": backend, "t": edited},
    )
    after_edit = await matched(ada, maya, backend)
    assert after_edit["cached"] is False and after_edit["job"]["analysisCount"] == 3
    history = await ada(
        "query ($job: ID) { analyses(jobId: $job, first: 2) { totalCount pageInfo { hasNextPage } "
        "edges { node { id result { matchPercentage } } } } }",
        {"job": backend},
    )
    page = history["data"]["analyses"]
    assert page["totalCount"] == 3 and page["pageInfo"]["hasNextPage"] is True
    assert page["edges"][0]["node"]["id"] == after_edit["id"]  # newest first


async def test_resume_and_profile_scores(gql: GraphQL) -> None:
    ada = gql.as_user((await register(gql))["token"])
    maya = await resume(ada, "maya_chen")
    body = await ada(SCORE, {"id": maya})
    score = body["data"]["resumeScore"]
    assert 0 <= score["overallScore"] <= 100 and score["cached"] is False
    assert all(0 <= v <= 100 for v in score["breakdown"].values())
    assert score["totalExperienceYears"] > 7  # Jul 2017 to now, overlaps merged
    assert score["grade"] in {"A+", "A", "B+", "B", "C+", "C", "D", "F"}
    assert score["strengths"] and score["recommendations"]
    assert (await ada(SCORE, {"id": maya}))["data"]["resumeScore"]["cached"] is True
    thin = await resume(ada, "thin", "Sam\n\nExperience\nHelper at Cafe, 2023 - Present\n- Made coffee\n")
    weak = (await ada(SCORE, {"id": thin}))["data"]["resumeScore"]
    assert weak["overallScore"] < score["overallScore"] and weak["grade"] in {"D", "F"}
    assert any("email" in i for i in weak["improvements"])
    empty = (await ada("{ profileScore { overallScore grade breakdown { completeness } } }"))["data"]["profileScore"]
    assert (empty["breakdown"]["completeness"], empty["grade"]) == (0, "F") and empty["overallScore"] < 10
    await ada("mutation ($id: ID!) { importProfileFromResume(resumeId: $id, mode: REPLACE) { added } }", {"id": maya})
    imported = (await ada("{ profileScore { overallScore cached totalExperienceYears } }"))["data"]["profileScore"]
    assert imported["cached"] is False and imported["overallScore"] > 50 and imported["totalExperienceYears"] > 7
    assert (await ada("{ profileScore { cached } }"))["data"]["profileScore"]["cached"] is True
    await ada('mutation { updateProfile(input: {summary: "Backend engineer."}) { id } }')
    assert (await ada("{ profileScore { cached } }"))["data"]["profileScore"]["cached"] is False


async def test_scoping(gql: GraphQL) -> None:
    ada = gql.as_user((await register(gql))["token"])
    maya, backend = await resume(ada, "maya_chen"), await job(ada, "senior_backend_python")
    await matched(ada, maya, backend)
    bob = gql.as_user((await register(gql, "bob@example.com"))["token"])
    own_resume, own_job = await resume(bob, "daniel_okafor"), await job(bob, "frontend_react")
    assert error_codes(await bob(MATCH, {"resume": maya, "job": own_job})) == ["NOT_FOUND"]
    assert error_codes(await bob(MATCH, {"resume": own_resume, "job": backend})) == ["NOT_FOUND"]
    assert error_codes(await bob(SCORE, {"id": maya})) == ["NOT_FOUND"]
    assert error_codes(await bob(COMPARE, {"resume": own_resume, "jobs": [own_job, backend]})) == ["NOT_FOUND"]
    none = await bob("{ analyses { totalCount } }")
    assert none["data"]["analyses"]["totalCount"] == 0
    assert error_codes(await gql("{ analyses { totalCount } }")) == ["UNAUTHENTICATED"]


async def test_compare_many_jobs_best_first(gql: GraphQL) -> None:
    ada = gql.as_user((await register(gql))["token"])
    resumes, jobs = await everything(ada)
    found = (await ada(COMPARE, {"resume": resumes["sre"], "jobs": list(jobs.values()), "limit": 3}))["data"]
    ranked = found["compareResumeToJobs"]
    assert len(ranked) == 3 and ranked[0]["job"]["id"] == jobs["sre"]
    scores = [r["result"]["matchPercentage"] for r in ranked]
    assert scores == sorted(scores, reverse=True)
    single = await matched(ada, resumes["sre"], jobs["sre"])
    assert single["result"]["matchPercentage"] == scores[0]  # the batch computes what `match` does
    for wrong in ({"jobs": []}, {"limit": 0}, {"jobs": [jobs["sre"]] * 1001}):
        body = await ada(COMPARE, {"resume": resumes["sre"], "jobs": list(jobs.values()), **wrong})
        assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_recommended_jobs_and_clusters(tmp_path: Path, database_url: str) -> None:
    settings = make_settings(tmp_path, database_url, index_worker=False)
    async with running(create_app(settings)) as app, http_client(app) as client:
        gql = GraphQL(client)
        ada = gql.as_user((await register(gql))["token"])
        await app.state.services.accounts.set_role("ada@example.com", "ADMIN")
        public = {}
        for name, text in (("sre", SRE_JOB), ("ios", IOS_JOB), *((n, None) for n in JOBS)):
            raw = text if text is not None else (FIXTURES / "jobs" / f"{name}.txt").read_text()
            body = await ada(
                "mutation ($t: String!) { createJob(input: {rawText: $t, visibility: PUBLIC}) { id } }", {"t": raw}
            )
            public[name] = body["data"]["createJob"]["id"]
        bob = gql.as_user((await register(gql, "bob@example.com"))["token"])
        own = await job(bob, "own", SRE_JOB.replace("Cobalt Cloud", "Bob's Own Co"))
        other = await job(ada, "private", SRE_JOB.replace("Cobalt Cloud", "Ada Private Co"))  # not bob's to see
        await app.state.services.indexer.drain()
        sre = await resume(bob, "sre", SRE_RESUME)
        query = """query ($r: ID!, $limit: Int, $f: JobFilters) {
          recommendedJobs(resumeId: $r, limit: $limit, filters: $f) {
            job { id company location } result { matchPercentage } } }"""
        found = (await bob(query, {"r": sre, "limit": 3}))["data"]["recommendedJobs"]
        ids = [f["job"]["id"] for f in found]
        assert set(ids[:2]) == {public["sre"], own} and other not in ids and len(found) == 3
        scores = [f["result"]["matchPercentage"] for f in found]
        assert scores == sorted(scores, reverse=True)
        remote = (await bob(query, {"r": sre, "f": {"location": "stockholm"}}))["data"]["recommendedJobs"]
        assert [f["job"]["id"] for f in remote] == [public["ios"]]
        assert error_codes(await bob(query, {"r": sre, "limit": 101})) == ["BAD_USER_INPUT"]
        clusters = (await bob("{ jobClusters(k: 2) { label keywords size jobs { id } } }"))["data"]["jobClusters"]
        assert sum(c["size"] for c in clusters) == 6 and all(c["label"] and c["keywords"] for c in clusters)
        groups = [{j["id"] for j in c["jobs"]} for c in clusters]
        assert any({public["sre"], own} <= g for g in groups)  # the two SRE postings land together
        assert error_codes(await bob("{ jobClusters(k: 1) { size } }")) == ["BAD_USER_INPUT"]
        assert error_codes(await bob("{ jobClusters(k: 7) { size } }")) == ["BAD_USER_INPUT"]


async def test_scores_under_concurrency_and_after_edits(gql: GraphQL) -> None:
    ada = gql.as_user((await register(gql))["token"])
    maya = await resume(ada, "maya_chen")
    together = await asyncio.gather(*(ada(SCORE, {"id": maya}) for _ in range(4)))
    assert all("errors" not in body for body in together), together
    assert len({body["data"]["resumeScore"]["overallScore"] for body in together}) == 1
    await ada("mutation ($id: ID!) { importProfileFromResume(resumeId: $id, mode: REPLACE) { added } }", {"id": maya})
    profile = await asyncio.gather(*(ada("{ profileScore { overallScore } }") for _ in range(4)))
    assert all("errors" not in body for body in profile), profile
    assert (await ada("{ profileScore { cached } }"))["data"]["profileScore"]["cached"] is True
    items = (await ada("{ profile { experiences { id } } }"))["data"]["profile"]["experiences"]
    await ada(
        'mutation ($id: ID!) { updateExperience(id: $id, input: {highlights: ["Cut costs by 40%"]}) { id } }',
        {"id": items[0]["id"]},
    )
    assert (await ada("{ profileScore { cached } }"))["data"]["profileScore"]["cached"] is False
    await ada("mutation ($id: ID!) { deleteResume(id: $id) }", {"id": maya})
    gone = await ada(SCORE, {"id": maya})
    assert error_codes(gone) == ["NOT_FOUND"] and gone["errors"][0]["extensions"]["field"] == "resumeId"
    again = await resume(ada, "maya_chen")  # the same file once more: a new resume, scored afresh
    assert (await ada(SCORE, {"id": again}))["data"]["resumeScore"]["cached"] is False
    backend = await job(ada, "senior_backend_python")
    wrong_job = await ada(MATCH, {"resume": again, "job": "00000000-0000-4000-8000-000000000000"})
    assert wrong_job["errors"][0]["extensions"]["field"] == "jobId"
    wrong_resume = await ada(MATCH, {"resume": "nope", "job": backend})
    assert wrong_resume["errors"][0]["extensions"]["field"] == "resumeId"
