"""Relay-style connection pieces shared by every list that grows."""

from __future__ import annotations

import strawberry


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


DEFAULT_PAGE = 20
