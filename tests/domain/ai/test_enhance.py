"""Rule-based enhancement strengthens wording and keeps every fact."""

from __future__ import annotations

import re

import pytest

from domain.ai.enhance import enhance_text
from domain.ai.truthfulness import TruthChecker
from domain.skills import default_lexicon

CHECK = TruthChecker(default_lexicon())
ORIGINALS = [
    "I was responsible for managing a team of 6 engineers at Harbor Health.",
    "Worked on the checkout service in Python, which basically cut p95 latency by 40% in 2021.",
    "I think I really improved onboarding for 2,000 clinics using Kubernetes and PostgreSQL",
    "- build dashboards in Tableau for the Finance team\n- mentor 3 junior analysts",
    "Tasked with migrating 14 services to AWS in order to reduce costs by $120k.",
]


@pytest.mark.parametrize("original", ORIGINALS)
def test_keeps_every_number_name_and_technology(original: str) -> None:
    enhanced = enhance_text(original, finished=True).text
    assert CHECK.check(enhanced, [original]) == []
    numbers = re.findall(r"\d[\d,.%$k]*", original)
    assert all(number.rstrip(".") in enhanced for number in numbers)


def test_leads_with_action_verbs_and_drops_hedges() -> None:
    assert enhance_text(ORIGINALS[0], finished=True).text == "Managed a team of 6 engineers at Harbor Health."
    second = enhance_text(ORIGINALS[1], finished=True)
    assert second.text.startswith("Contributed to the checkout service") and "basically" not in second.text
    third = enhance_text(ORIGINALS[2]).text
    assert third == "Improved onboarding for 2,000 clinics using Kubernetes and PostgreSQL."
    fifth = enhance_text(ORIGINALS[4], finished=True)
    assert fifth.text == "Migrated 14 services to AWS to reduce costs by $120k."
    assert {"led with an action verb", "tightened wording"} <= set(fifth.changes)


def test_finished_roles_read_in_the_past_and_bullets_stay_bullets() -> None:
    enhanced = enhance_text(ORIGINALS[3], finished=True).text
    assert enhanced == "- Built dashboards in Tableau for the Finance team.\n- Mentored 3 junior analysts."
    current = enhance_text(ORIGINALS[3], finished=False).text
    assert current.startswith("- Build dashboards")


def test_is_idempotent_and_leaves_strong_text_alone() -> None:
    for original in ORIGINALS:
        once = enhance_text(original, finished=True).text
        assert enhance_text(once, finished=True).text == once
    strong = "Led the migration of 12 services to Kubernetes."
    result = enhance_text(strong, finished=True)
    assert result.text == strong and result.changes == []
