"""Months and experience arithmetic."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import BadInput
from domain.months import check_range, experience_years, format_month, parse_month

TODAY = date(2026, 11, 23)


def m(text: str) -> date:
    value = parse_month(text, "f")
    assert value is not None
    return value


def test_parse_and_format() -> None:
    assert parse_month("2021-03", "start_month") == date(2021, 3, 1)
    assert parse_month("  ", "start_month") is None
    assert format_month(date(2021, 3, 1)) == "2021-03"
    for bad in ["2021-13", "2021-3", "March 2021", "1899-01", "2021-03-01", "21-03"]:
        with pytest.raises(BadInput) as error:
            parse_month(bad, "start_month")
        assert error.value.field == "start_month"


def test_ranges() -> None:
    check_range(m("2020-01"), m("2020-01"), start_field="s", end_field="e", today=TODAY)
    check_range(m("2026-11"), None, start_field="s", end_field="e", today=TODAY)
    with pytest.raises(BadInput, match="future") as future:
        check_range(m("2026-12"), None, start_field="start_month", end_field="end_month", today=TODAY)
    assert future.value.field == "start_month"
    with pytest.raises(BadInput, match="before") as backwards:
        check_range(m("2021-05"), m("2021-04"), start_field="start_month", end_field="end_month", today=TODAY)
    assert backwards.value.field == "end_month"
    check_range(m("2024-09"), m("2030-06"), start_field="s", end_field="e", today=TODAY)  # expected graduation
    with pytest.raises(BadInput, match="years ahead") as far:
        check_range(m("2020-01"), m("9999-12"), start_field="start_month", end_field="end_month", today=TODAY)
    assert far.value.field == "end_month"


@pytest.mark.parametrize(
    ("ranges", "years"),
    [
        ([], 0.0),
        ([("2020-01", "2020-12")], 1.0),
        ([("2020-01", "2020-12"), ("2020-07", "2021-06")], 1.5),  # overlap counted once
        ([("2018-01", "2018-12"), ("2020-01", "2020-12")], 2.0),  # a gap is not counted
        ([("2019-01", "2019-06"), ("2019-07", "2019-12")], 1.0),  # adjacent ranges join
        ([("2025-12", None)], 1.0),  # present = this month
        ([("2020-01", "2022-12"), ("2021-01", None)], 6.9),  # a current role overlapping an old one
    ],
)
def test_experience_years_merge_overlaps(ranges: list[tuple[str, str | None]], years: float) -> None:
    spans = [(m(start), m(end) if end else None) for start, end in ranges]
    assert experience_years(spans, TODAY) == years
