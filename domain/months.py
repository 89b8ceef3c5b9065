"""Month-precision dates as people write them on resumes, and experience arithmetic on them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime

from domain.errors import BadInput

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
EARLIEST_YEAR = 1900


MAX_YEARS_AHEAD = 10


def this_month(today: date | None = None) -> date:
    today = today or datetime.now(UTC).date()
    return today.replace(day=1)


def parse_month(value: str | None, field: str) -> date | None:
    """`YYYY-MM` → the first day of that month; blank → None; anything else BAD_USER_INPUT."""
    if value is None or not value.strip():
        return None
    match = _MONTH.match(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < EARLIEST_YEAR:
        raise BadInput(f"{field} must be a month written YYYY-MM, such as 2021-03", field=field)
    return date(int(match.group(1)), int(match.group(2)), 1)


def format_month(value: date | None) -> str | None:
    return value.strftime("%Y-%m") if value else None


def check_range(start: date | None, end: date | None, *, start_field: str, end_field: str, today: date) -> None:
    """No start in the future; no end before its start, nor more than ten years ahead (an expected
    graduation or a contract's end can be in the future; 9999-12 is no date)."""
    if start is not None and start > this_month(today):
        raise BadInput(f"{start_field} cannot be in the future", field=start_field)
    if end is not None and end.year > today.year + MAX_YEARS_AHEAD:
        raise BadInput(f"{end_field} cannot be more than {MAX_YEARS_AHEAD} years ahead", field=end_field)
    if start is not None and end is not None and end < start:
        raise BadInput(f"{end_field} cannot be before {start_field}", field=end_field, mentions=[start_field])


def _index(month: date) -> int:
    return month.year * 12 + month.month - 1


def experience_years(ranges: Iterable[tuple[date, date | None]], today: date | None = None) -> float:
    """Years worked, counting overlapping ranges once; an open end is this month; both ends count."""
    current = _index(this_month(today))
    spans = sorted(
        (_index(start), min(current, _index(end)) if end else current) for start, end in ranges if start is not None
    )
    months = 0
    run_start, run_end = None, None
    for start, end in spans:
        if end < start:
            continue
        if run_end is None or start > run_end + 1:
            if run_end is not None and run_start is not None:
                months += run_end - run_start + 1
            run_start, run_end = start, end
        else:
            run_end = max(run_end, end)
    if run_end is not None and run_start is not None:
        months += run_end - run_start + 1
    return round(months / 12, 1)
