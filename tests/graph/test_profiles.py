"""The master profile through the API, on SQLite and PostgreSQL, with two users."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from storage.profiles import SECTION_MODELS, Profile
from tests.support.client import GraphQL, error_codes
from tests.support.operations import ADD, PROFILE, SAMPLE
from tests.support.people import register
from tests.support.statements import statements as recorded

UPDATE_PROFILE = """mutation ($input: ProfileInput!) {
  updateProfile(input: $input) { id fullName email phone links { label url } summary }
}"""
UPDATE_EXPERIENCE = """mutation ($id: ID!, $input: ExperienceInput!) {
  updateExperience(id: $id, input: $input) { id title description endMonth current }
}"""
DELETE = {
    "experiences": "mutation ($id: ID!) { deleteExperience(id: $id) }",
    "projects": "mutation ($id: ID!) { deleteProject(id: $id) }",
    "skills": "mutation ($id: ID!) { deleteSkill(id: $id) }",
    "education": "mutation ($id: ID!) { deleteEducation(id: $id) }",
    "certifications": "mutation ($id: ID!) { deleteCertification(id: $id) }",
}
REORDER = {
    "experiences": "mutation ($ids: [ID!]!) { reorderExperiences(ids: $ids) { id } }",
    "projects": "mutation ($ids: [ID!]!) { reorderProjects(ids: $ids) { id } }",
    "skills": "mutation ($ids: [ID!]!) { reorderSkills(ids: $ids) { id } }",
    "education": "mutation ($ids: [ID!]!) { reorderEducation(ids: $ids) { id } }",
    "certifications": "mutation ($ids: [ID!]!) { reorderCertifications(ids: $ids) { id } }",
}


async def add(gql: GraphQL, section: str, **fields: Any) -> dict[str, Any]:
    body = await gql(ADD[section], {"input": {**SAMPLE[section], **fields}})
    assert "errors" not in body, body
    item: dict[str, Any] = next(iter(body["data"].values()))
    return item


async def two_users(gql: GraphQL) -> tuple[GraphQL, GraphQL]:
    ada = gql.as_user((await register(gql, "ada@example.com"))["token"])
    bob = gql.as_user((await register(gql, "bob@example.com"))["token"])
    return ada, bob


async def test_profile_is_null_until_first_write_then_holds_everything(gql: GraphQL) -> None:
    ada, _ = await two_users(gql)
    assert (await ada(PROFILE))["data"]["profile"] is None
    updated = await ada(
        UPDATE_PROFILE,
        {
            "input": {
                "fullName": "  Ada Lovelace ",
                "email": "Ada@Example.com",
                "phone": "+44 20 7946 0958",
                "links": [{"label": "GitHub", "url": "https://github.com/ada"}, {"url": "https://ada.dev"}],
                "summary": "Analytical engineer.",
            }
        },
    )
    assert "errors" not in updated, updated
    for section in SAMPLE:
        await add(ada, section)
    profile = (await ada(PROFILE))["data"]["profile"]
    assert profile["fullName"] == "Ada Lovelace" and profile["email"] == "ada@example.com"
    assert profile["links"] == [
        {"label": "GitHub", "url": "https://github.com/ada"},
        {"label": "https://ada.dev", "url": "https://ada.dev"},
    ]
    assert profile["experiences"][0] | {"id": None} == {
        "id": None,
        "title": "Engineer",
        "company": "Acme",
        "location": None,
        "startMonth": "2020-01",
        "endMonth": "2021-12",
        "current": False,
        "description": None,
        "highlights": [],
        "skills": [],
        "enhancedDescription": None,
    }
    assert profile["projects"][0]["technologies"] == ["Python", "Kubernetes"]  # normalised by the lexicon
    assert profile["skills"][0] | {"id": None} == {
        "id": None,
        "name": "PostgreSQL",
        "category": "database",
        "level": "EXPERT",
    }
    assert profile["education"][0]["gpa"] == 3.7
    assert profile["certifications"][0]["issuedMonth"] == "2022-05"
    assert profile["totalExperienceYears"] == 2.0

    # Absent fields stay; null clears.
    partial = await ada(UPDATE_PROFILE, {"input": {"phone": None}})
    assert partial["data"]["updateProfile"]["fullName"] == "Ada Lovelace"
    assert partial["data"]["updateProfile"]["phone"] is None


async def test_total_experience_merges_overlaps_and_counts_present(gql: GraphQL) -> None:
    ada, _ = await two_users(gql)
    await add(ada, "experiences", startMonth="2018-01", endMonth="2019-12")
    await add(ada, "experiences", startMonth="2019-01", endMonth="2020-12")  # overlaps a year
    years = (await ada(PROFILE))["data"]["profile"]["totalExperienceYears"]
    assert years == 3.0
    current = await add(ada, "experiences", startMonth="2025-01", endMonth=None)
    assert current["current"] is True and current["endMonth"] is None
    assert (await ada(PROFILE))["data"]["profile"]["totalExperienceYears"] > 3.0


async def test_bad_input_names_the_field_and_writes_nothing(gql: GraphQL, app: Any) -> None:
    ada, _ = await two_users(gql)
    cases = [
        ("experiences", {"title": None}, "title"),
        ("experiences", {"title": "   "}, "title"),
        ("experiences", {"company": "c" * 201}, "company"),
        ("experiences", {"startMonth": "2020-13"}, "startMonth"),
        ("experiences", {"startMonth": "2999-01", "endMonth": None}, "startMonth"),
        ("experiences", {"startMonth": "2021-05", "endMonth": "2021-04"}, "endMonth"),
        ("experiences", {"highlights": ["x"] * 31}, "highlights"),
        ("projects", {"url": "javascript:alert(1)"}, "url"),
        ("projects", {"name": ""}, "name"),
        ("skills", {"name": "x" * 101}, "name"),
        ("education", {"gpa": 11.0}, "gpa"),
        ("education", {"gpa": -1.0}, "gpa"),
        ("certifications", {"issuedMonth": "2999-01"}, "issuedMonth"),
    ]
    for section, fields, field in cases:
        body = await ada(ADD[section], {"input": {**SAMPLE[section], **fields}})
        assert error_codes(body) == ["BAD_USER_INPUT"], (section, fields)
        assert body["errors"][0]["extensions"]["field"] == field, (section, fields)
    for fields, field in [
        ({"email": "not-an-email"}, "email"),
        ({"phone": "call me maybe"}, "phone"),
        ({"links": [{"label": "x", "url": "ftp://x"}]}, "links"),
        ({"fullName": "n" * 201}, "fullName"),
        ({"summary": "s" * 5001}, "summary"),
    ]:
        body = await ada(UPDATE_PROFILE, {"input": fields})
        assert error_codes(body) == ["BAD_USER_INPUT"] and body["errors"][0]["extensions"]["field"] == field
    async with app.state.services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Profile)) == 0
        for model in SECTION_MODELS.values():
            assert await session.scalar(select(func.count()).select_from(model)) == 0


async def test_update_keeps_absent_fields_clears_stale_enhancement(gql: GraphQL, app: Any) -> None:
    ada, _ = await two_users(gql)
    item = await add(ada, "experiences", description="Built things.")
    async with app.state.services.sessions() as session, session.begin():
        row = await session.get(SECTION_MODELS["experiences"], item["id"])
        row.enhanced_description = "Built reliable things."
    renamed = await ada(UPDATE_EXPERIENCE, {"id": item["id"], "input": {"title": "Senior Engineer"}})
    assert renamed["data"]["updateExperience"]["description"] == "Built things."
    assert (await ada(PROFILE))["data"]["profile"]["experiences"][0]["enhancedDescription"] == "Built reliable things."
    await ada(UPDATE_EXPERIENCE, {"id": item["id"], "input": {"description": "Built more things."}})
    assert (await ada(PROFILE))["data"]["profile"]["experiences"][0]["enhancedDescription"] is None
    # Dates are checked against the stored values too.
    backwards = await ada(UPDATE_EXPERIENCE, {"id": item["id"], "input": {"endMonth": "2019-01"}})
    assert error_codes(backwards) == ["BAD_USER_INPUT"]
    cleared = await ada(UPDATE_EXPERIENCE, {"id": item["id"], "input": {"title": None}})
    assert error_codes(cleared) == ["BAD_USER_INPUT"]
    now = await ada(UPDATE_EXPERIENCE, {"id": item["id"], "input": {"endMonth": None}})
    assert now["data"]["updateExperience"]["current"] is True


async def test_reorder(gql: GraphQL) -> None:
    ada, bob = await two_users(gql)
    ids = [(await add(ada, "skills", name=name))["id"] for name in ["Python", "Go", "Rust"]]
    reordered = await ada(REORDER["skills"], {"ids": list(reversed(ids))})
    assert [s["id"] for s in reordered["data"]["reorderSkills"]] == list(reversed(ids))
    assert [s["name"] for s in (await ada(PROFILE))["data"]["profile"]["skills"]] == ["Rust", "Go", "Python"]
    body = await ada(REORDER["skills"], {"ids": ids[:2]})
    assert error_codes(body) == ["BAD_USER_INPUT"] and body["errors"][0]["extensions"]["field"] == "ids"
    assert error_codes(await ada(REORDER["skills"], {"ids": [ids[0], ids[0], ids[1]]})) == ["BAD_USER_INPUT"]
    other = (await add(bob, "skills", name="Java"))["id"]
    assert error_codes(await ada(REORDER["skills"], {"ids": [*ids[:2], other]})) == ["NOT_FOUND"]
    assert [s["name"] for s in (await ada(PROFILE))["data"]["profile"]["skills"]] == ["Rust", "Go", "Python"]


async def test_another_users_items_are_not_found_and_untouched(gql: GraphQL) -> None:
    ada, bob = await two_users(gql)
    mine = {section: (await add(ada, section))["id"] for section in SAMPLE}
    update = {
        "experiences": UPDATE_EXPERIENCE,
    }
    for section, item_id in mine.items():
        assert error_codes(await bob(DELETE[section], {"id": item_id})) == ["NOT_FOUND"], section
        assert error_codes(await bob(REORDER[section], {"ids": [item_id]})) == ["NOT_FOUND"], section
    assert error_codes(await bob(update["experiences"], {"id": mine["experiences"], "input": {"title": "x"}})) == [
        "NOT_FOUND"
    ]
    assert (await bob(PROFILE))["data"]["profile"] is None  # bob's failed writes created nothing
    profile = (await ada(PROFILE))["data"]["profile"]
    assert all(len(profile[section]) == 1 for section in SAMPLE)
    assert profile["experiences"][0]["title"] == "Engineer"


async def test_delete(gql: GraphQL) -> None:
    ada, _ = await two_users(gql)
    for section in SAMPLE:
        item_id = (await add(ada, section))["id"]
        assert next(iter((await ada(DELETE[section], {"id": item_id}))["data"].values())) == item_id
        assert error_codes(await ada(DELETE[section], {"id": item_id})) == ["NOT_FOUND"]
    profile = (await ada(PROFILE))["data"]["profile"]
    assert all(profile[section] == [] for section in SAMPLE)


async def test_anonymous_is_unauthenticated(gql: GraphQL) -> None:
    assert error_codes(await gql(PROFILE)) == ["UNAUTHENTICATED"]
    assert error_codes(await gql(ADD["skills"], {"input": {"name": "Go"}})) == ["UNAUTHENTICATED"]


async def test_a_fifty_item_profile_reads_in_constant_statements(gql: GraphQL, app: Any) -> None:
    ada, _ = await two_users(gql)
    await ada(UPDATE_PROFILE, {"input": {"fullName": "Ada"}})
    for i in range(10):
        for section in SAMPLE:
            await add(
                ada, section, **({"name": f"Item {i}"} if section in {"projects", "skills", "certifications"} else {})
            )
    with recorded(app) as statements:
        profile = (await ada(PROFILE))["data"]["profile"]
    assert sum(len(profile[section]) for section in SAMPLE) == 50
    # The index worker shares the engine; its outbox and cache reads are not the profile's.
    worker = ("index_outbox", "embedding_cache")
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT") and not any(w in s for w in worker)]
    # the caller, the profile, and one statement per section, whatever the number of items
    assert len(selects) == 7, selects


UPDATE = {
    "projects": (
        "mutation ($id: ID!, $input: ProjectInput!) { updateProject(id: $id, input: $input) { name url } }",
        {"url": "https://example.com/p"},
        {"name": "Tailor", "url": "https://example.com/p"},
    ),
    "skills": (
        "mutation ($id: ID!, $input: SkillInput!) { updateSkill(id: $id, input: $input) { name level } }",
        {"level": "BEGINNER"},
        {"name": "PostgreSQL", "level": "BEGINNER"},
    ),
    "education": (
        "mutation ($id: ID!, $input: EducationInput!) { updateEducation(id: $id, input: $input) "
        "{ institution fieldOfStudy } }",
        {"fieldOfStudy": "Mathematics"},
        {"institution": "State University", "fieldOfStudy": "Mathematics"},
    ),
    "certifications": (
        "mutation ($id: ID!, $input: CertificationInput!) { updateCertification(id: $id, input: $input) "
        "{ name issuer } }",
        {"issuer": "CNCF"},
        {"name": "CKA", "issuer": "CNCF"},
    ),
}


async def test_update_each_section(gql: GraphQL) -> None:
    ada, bob = await two_users(gql)
    for section, (mutation, change, expected) in UPDATE.items():
        item_id = (await add(ada, section))["id"]
        body = await ada(mutation, {"id": item_id, "input": change})
        assert next(iter(body["data"].values())) == expected, section
        assert error_codes(await bob(mutation, {"id": item_id, "input": change})) == ["NOT_FOUND"], section
        bad = await ada(
            mutation, {"id": item_id, "input": {"name": " "} if "name" in expected else {"institution": ""}}
        )
        assert error_codes(bad) == ["BAD_USER_INPUT"], section
