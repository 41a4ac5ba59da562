"""Relay connections built from models' keyset pages, and the node ids behind global ids."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from bson import ObjectId
from bson.errors import InvalidId
from strawberry import relay

from models.common.db import Document
from models.common.pagination import Page, PageArgs

N = TypeVar("N")
C = TypeVar("C", bound=relay.Connection[Any])


def page_args(first: int | None, after: str | None, last: int | None, before: str | None) -> PageArgs:
    return PageArgs(first=first, after=after, last=last, before=before)


def connection_from_page(connection: type[C], page: Page, to_node: Callable[[Document], Any]) -> C:
    edges = [
        relay.Edge(cursor=cursor, node=to_node(item))
        for cursor, item in zip(page.cursors, page.items, strict=True)
    ]
    return connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
    )


def object_ids(node_ids: Iterable[str]) -> list[ObjectId | None]:
    """Node ids from global ids; a malformed one is None, so it resolves as 'not found'."""
    parsed: list[ObjectId | None] = []
    for node_id in node_ids:
        try:
            parsed.append(ObjectId(node_id))
        except (InvalidId, TypeError):
            parsed.append(None)
    return parsed
