"""Feedback through the API: submitting on each kind of subject, bad input, stats, the list, semantic
search, training samples, and the CSV / JSON Lines exports (parsed back, filtered, streamed)."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from graph.server.app import create_app
from storage.db import transaction
from storage.feedback import Feedback
from tests.support.client import GraphQL, error_codes
from tests.support.operations import MATCH, SUBMIT, UPLOAD, submit
from tests.support.people import register, subjects
from tests.support.servers import live_server
from tests.support.settings import make_settings
from tests.support.texts import JOB_TEXT, WEAK_RESUME

STATS = """{ feedbackStats { total averageRating distribution { rating count }
  bySubjectType { subjectType count averageRating } last30Days { day count averageRating } } }"""
LIST = """query ($type: FeedbackSubject, $min: Int, $first: Int, $after: String) {
  feedback(subjectType: $type, minRating: $min, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id rating subjectType } } } }"""
SIMILAR = """query ($q: String!, $limit: Int) { similarFeedback(query: $q, limit: $limit) {
  similarity feedback { id comment } } }"""
QUALITY = """query ($min: Int, $limit: Int) { highQualityFeedback(minRating: $min, limit: $limit) {
  rating query response jobDescription sourceText sourceKind context feedback { id subjectType } } }"""


async def test_feedback_on_each_subject_with_stats_list_and_training_samples(gql: GraphQL) -> None:
    maya, job_id, ids = await subjects(gql)
    ratings = {"GENERATION": 5, "RANKING": 2, "ANALYSIS": 4, "IMPROVEMENT": 5}
    made = {}
    for kind, subject_id in ids.items():
        body = await maya(SUBMIT, submit(kind, subject_id, ratings[kind], comment=f"About the {kind.lower()}"))
        assert "errors" not in body, body
        made[kind] = body["data"]["submitFeedback"]
        assert made[kind]["jobId"] == job_id and made[kind]["job"] == {"id": job_id}  # linked from the subject
        assert made[kind]["query"] and made[kind]["response"]  # filled from the subject when not given
    generated = (await maya("query ($id: ID!) { generation(id: $id) { text } }", {"id": ids["GENERATION"]}))["data"]
    assert made["GENERATION"]["response"] == generated["generation"]["text"]
    given = await maya(SUBMIT, submit("RANKING", ids["RANKING"], 3, query="Which role first?", response="Northwind"))
    assert given["data"]["submitFeedback"]["query"] == "Which role first?"
    assert given["data"]["submitFeedback"]["response"] == "Northwind"

    stats = (await maya(STATS))["data"]["feedbackStats"]
    assert stats["total"] == 5 and stats["averageRating"] == pytest.approx((5 + 2 + 4 + 5 + 3) / 5)
    assert stats["distribution"] == [
        {"rating": 1, "count": 0},
        {"rating": 2, "count": 1},
        {"rating": 3, "count": 1},
        {"rating": 4, "count": 1},
        {"rating": 5, "count": 2},
    ]
    by_type = {s["subjectType"]: s for s in stats["bySubjectType"]}
    assert by_type["RANKING"] == {"subjectType": "RANKING", "count": 2, "averageRating": 2.5}
    days = stats["last30Days"]
    assert len(days) == 30 and days[-1]["day"] == datetime.now(UTC).date().isoformat()
    assert days[-1]["count"] == 5 and all(d["count"] == 0 and d["averageRating"] is None for d in days[:-1])

    page = (await maya(LIST, {"first": 2}))["data"]["feedback"]
    assert page["totalCount"] == 5 and page["pageInfo"]["hasNextPage"] and len(page["edges"]) == 2
    rest = (await maya(LIST, {"first": 5, "after": page["pageInfo"]["endCursor"]}))["data"]["feedback"]
    assert len(rest["edges"]) == 3 and not rest["pageInfo"]["hasNextPage"]
    assert {e["node"]["id"] for e in page["edges"] + rest["edges"]} == {f["id"] for f in made.values()} | {
        given["data"]["submitFeedback"]["id"]
    }
    good = (await maya(LIST, {"min": 4}))["data"]["feedback"]
    assert good["totalCount"] == 3 and all(e["node"]["rating"] >= 4 for e in good["edges"])
    rankings = (await maya(LIST, {"type": "RANKING"}))["data"]["feedback"]
    assert rankings["totalCount"] == 2

    samples = (await maya(QUALITY, {"min": 4}))["data"]["highQualityFeedback"]
    assert sorted(s["feedback"]["subjectType"] for s in samples) == ["ANALYSIS", "GENERATION", "IMPROVEMENT"]
    for sample in samples:
        assert sample["rating"] >= 4 and sample["jobDescription"].strip() == JOB_TEXT.strip()
        assert sample["query"] and sample["response"] and sample["sourceText"]
        if sample["feedback"]["subjectType"] in ("ANALYSIS", "IMPROVEMENT"):
            assert sample["sourceKind"] == "RESUME" and "Quillstack" in sample["sourceText"]
        else:
            assert sample["sourceKind"] == "PROFILE" and "northwind" in sample["sourceText"].lower()
    assert len((await maya(QUALITY, {"min": 5, "limit": 1}))["data"]["highQualityFeedback"]) == 1


async def test_bad_feedback_is_refused_and_nothing_is_stored(gql: GraphQL) -> None:
    maya, _, ids = await subjects(gql)
    eve = gql.as_user((await register(gql, "eve@example.com"))["token"])
    for variables, code, field_name in [
        (submit("GENERATION", ids["GENERATION"], 0), "BAD_USER_INPUT", "rating"),
        (submit("GENERATION", ids["GENERATION"], 6), "BAD_USER_INPUT", "rating"),
        (submit("GENERATION", ids["GENERATION"], 4, comment="x" * 2001), "BAD_USER_INPUT", "comment"),
        (submit("GENERATION", ids["RANKING"], 4), "NOT_FOUND", "subjectId"),  # a ranking is not a generation
        (submit("IMPROVEMENT", "00000000-0000-4000-8000-000000000000", 4), "NOT_FOUND", "subjectId"),
        (submit("ANALYSIS", "not-an-id", 4), "NOT_FOUND", "subjectId"),
    ]:
        body = await maya(SUBMIT, variables)
        assert error_codes(body) == [code], (variables, body)
        assert body["errors"][0]["extensions"]["field"] == field_name
    for kind, subject_id in ids.items():  # Maya's subjects are not Eve's to rate
        body = await eve(SUBMIT, submit(kind, subject_id, 5))
        assert error_codes(body) == ["NOT_FOUND"]
    assert error_codes(await gql(SUBMIT, submit("GENERATION", ids["GENERATION"], 5))) == ["UNAUTHENTICATED"]
    assert error_codes(await maya(SIMILAR, {"q": "x", "limit": 0})) == ["BAD_USER_INPUT"]
    assert error_codes(await maya(QUALITY, {"min": 6})) == ["BAD_USER_INPUT"]
    assert (await maya(STATS))["data"]["feedbackStats"]["total"] == 0
    assert (await maya(SUBMIT, submit("GENERATION", ids["GENERATION"], 4, comment="x" * 2000)))["data"]


async def test_similar_feedback_searches_only_your_own(gql: GraphQL, app: Starlette) -> None:
    maya, _, ids = await subjects(gql)
    comments = {
        "The cover letter sounded far too formal and stiff for a startup": 2,
        "Great keyword coverage, the Kubernetes and AWS work stands out": 5,
        "The ranking put my oldest job first, which makes no sense": 1,
    }
    made = {}
    for comment, rating in comments.items():
        body = await maya(SUBMIT, submit("GENERATION", ids["GENERATION"], rating, comment=comment))
        made[comment] = body["data"]["submitFeedback"]["id"]
    eve = gql.as_user((await register(gql, "eve@example.com"))["token"])
    eve_analysis = await subjects_for_eve(eve)
    await eve(SUBMIT, submit("ANALYSIS", eve_analysis, 2, comment="The letter was too formal and stiff"))
    await app.state.services.indexer.drain()
    found = (await maya(SIMILAR, {"q": "tone is too formal", "limit": 5}))["data"]["similarFeedback"]
    assert found[0]["feedback"]["id"] == made["The cover letter sounded far too formal and stiff for a startup"]
    assert {f["feedback"]["id"] for f in found} <= set(made.values())  # never Eve's
    scores = [f["similarity"] for f in found]
    assert scores == sorted(scores, reverse=True) and len(found) == 3
    assert len((await maya(SIMILAR, {"q": "ranking order", "limit": 1}))["data"]["similarFeedback"]) == 1


async def subjects_for_eve(eve: GraphQL) -> str:
    """An analysis of Eve's own, to rate."""
    uploaded = (await eve.upload(UPLOAD, {}, WEAK_RESUME.replace("Sam", "Eve").encode(), "eve.txt")).json()
    resume_id = uploaded["data"]["uploadResume"]["resume"]["id"]
    job_id = (await eve("mutation ($t: String!) { createJob(input: {rawText: $t}) { id } }", {"t": JOB_TEXT}))["data"][
        "createJob"
    ]["id"]
    return str((await eve(MATCH, {"resume": resume_id, "job": job_id}))["data"]["match"]["id"])


async def test_exports_parse_back_and_filter(gql: GraphQL, client: httpx.AsyncClient) -> None:
    maya, _, ids = await subjects(gql)
    for rating, comment in [(5, 'Loved it, "really", thanks'), (3, "Line one\nline two, with a comma"), (1, None)]:
        extra = {"comment": comment} if comment else {}
        assert "errors" not in await maya(SUBMIT, submit("IMPROVEMENT", ids["IMPROVEMENT"], rating, **extra))
    auth = {"Authorization": f"Bearer {maya.token}"}
    response = await client.get("/feedback/export.csv", headers=auth)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [int(r["rating"]) for r in rows] == [5, 3, 1]  # oldest first
    assert (
        rows[0]["comment"] == 'Loved it, "really", thanks' and rows[1]["comment"] == "Line one\nline two, with a comma"
    )
    assert all(r["subject_type"] == "IMPROVEMENT" and r["response"] for r in rows)

    lines = (await client.get("/feedback/export.jsonl", params={"minRating": "3"}, headers=auth)).text.splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["rating"] for r in records] == [5, 3]
    for record in records:
        roles = [m["role"] for m in record["messages"]]
        assert roles == ["system", "user", "assistant"]
        assert (
            "Job description:" in record["messages"][1]["content"] and "Quillstack" in record["messages"][1]["content"]
        )
        assert record["messages"][2]["content"]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    later = await client.get("/feedback/export.jsonl", params={"since": tomorrow}, headers=auth)
    assert later.status_code == 200 and later.text == ""
    assert (await client.get("/feedback/export.csv")).status_code == 401
    for bad in ["9", "²", "٣"]:  # superscript and Arabic-Indic digits pass str.isdigit but not int()
        assert (await client.get("/feedback/export.csv", params={"minRating": bad}, headers=auth)).status_code == 400
    assert (await client.get("/feedback/export.csv", params={"since": "soon"}, headers=auth)).status_code == 400
    assert (await client.get("/feedback/export.xml", headers=auth)).status_code == 400
    other = (await register(gql, "eve@example.com"))["token"]
    empty = await client.get("/feedback/export.csv", headers={"Authorization": f"Bearer {other}"})
    assert empty.text.strip() == ",".join(["id", "created_at", "subject_type", "subject_id", "job_id", "rating",
                                            "comment", "query", "response"])  # fmt: skip


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_ten_thousand_row_export_streams_in_bounded_memory(tmp_path: Path, database_url: str) -> None:
    app = create_app(make_settings(tmp_path, database_url, index_worker=False))
    async with live_server(app) as address, httpx.AsyncClient(base_url=f"http://{address}", timeout=120) as client:
        registered = await GraphQL(client)(
            'mutation { register(email: "bulk@example.com", password: "correct horse") { token user { id } } }'
        )
        token, user_id = registered["data"]["register"]["token"], registered["data"]["register"]["user"]["id"]
        start = datetime.now(UTC) - timedelta(days=1)
        response_text = "A tailored answer with plenty of words in it. " * 40  # ~1.9 KB a row
        async with transaction(app.state.services.sessions) as session:
            session.add_all(
                Feedback(
                    user_id=user_id,
                    subject_type="GENERATION",
                    subject_id=f"00000000-0000-4000-8000-{i:012d}",
                    rating=1 + i % 5,
                    comment=f"comment {i}",
                    query=f"query {i}",
                    response=response_text,
                    context={"jobDescription": "Backend role", "profileText": "Engineer"},
                    created_at=start + timedelta(seconds=i),
                )
                for i in range(10_000)
            )
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            received, chunks, lines = 0, 0, 0
            async with client.stream(
                "GET", "/feedback/export.jsonl", headers={"Authorization": f"Bearer {token}"}
            ) as response:
                assert response.status_code == 200
                async for chunk in response.aiter_bytes():
                    received += len(chunk)
                    chunks += 1
                    lines += chunk.count(b"\n")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert lines == 10_000 and received > 20_000_000
    assert chunks > 100  # sent as it was read, not built whole first
    assert peak < received / 5, (peak, received)  # server and client together held a fraction of it
