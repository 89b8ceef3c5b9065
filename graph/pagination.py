"""Relay connections: one generic `Connection[T]` / `Edge[T]` for every list that grows, named by
their node (`Connection[Job]` is `JobConnection`), and `connection_of` to make one from a domain page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import strawberry

from domain.pagination import DEFAULT_PAGE, Page
from graph.shared_types import PageInfo

__all__ = ["DEFAULT_PAGE", "Connection", "Edge", "PageInfo", "connection_of"]

N = TypeVar("N")
R = TypeVar("R")


@strawberry.type
class Edge(Generic[N]):
    node: N
    cursor: str


@strawberry.type
class Connection(Generic[N]):
    edges: list[Edge[N]]
    page_info: PageInfo
    total_count: int


def connection_of(page: Page[R], to_node: Callable[[R], N]) -> Connection[N]:
    """The connection showing `page`, each row made a node by `to_node`."""
    edges = [Edge(node=to_node(item), cursor=cursor) for item, cursor in zip(page.items, page.cursors, strict=True)]
    info = PageInfo(
        has_next_page=page.has_next,
        has_previous_page=page.has_previous,
        start_cursor=page.cursors[0] if page.cursors else None,
        end_cursor=page.cursors[-1] if page.cursors else None,
    )
    return Connection(edges=edges, page_info=info, total_count=page.total)
