"""Keyset paging over an indexed sort key with opaque cursors: no skip or offset, stable as data grows."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic

import bson
from bson.errors import BSONError
from pymongo.asynchronous.collection import AsyncCollection

from models.common.db import D, Document
from models.common.errors import InvalidInput


@dataclass(frozen=True)
class SortOrder:
    """A sort on `_id` or on one field with a unique index, so no two documents tie.

    Unique keys let one single-field index serve the sort on any MongoDB; a non-unique key would
    need a (field, _id) index, which nx-27017 cannot hold (see the README's known limits). For
    time order, sort on `_id`: ObjectIds grow with creation time. Because keys are unique, a
    cursor is placed by the key alone (an `$or` tie-break on `_id` made nx-27017 scan: ~35×
    slower per page over 10,000 documents).
    """

    field: str = "_id"
    direction: int = 1


@dataclass(frozen=True)
class PageArgs:
    """Relay's paging arguments, as the client sent them."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None


@dataclass(frozen=True)
class Page(Generic[D]):
    """A page of documents: `Page[CommentDocument]`, or a bare `Page` of any."""

    items: list[D]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool


@dataclass(frozen=True)
class PageBounds:
    default_size: int = 20
    max_size: int = 100


def encode_cursor(order: SortOrder, document: Mapping[str, Any]) -> str:
    position = {"s": order.field, "i": document["_id"]}
    if order.field != "_id":
        position["k"] = document[order.field]
    return base64.urlsafe_b64encode(bson.encode(position)).decode().rstrip("=")


def decode_cursor(order: SortOrder, cursor: str, *, field: str) -> tuple[Any, Any]:
    """The (sort value, _id) a cursor points at; refuses cursors forged or from another list."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = bson.decode(raw)
    except (binascii.Error, BSONError, ValueError, TypeError, IndexError) as exc:
        raise InvalidInput(f"{field} is not a cursor from this list", field=field) from exc
    if position.get("s") != order.field or "i" not in position:
        raise InvalidInput(f"{field} is not a cursor from this list", field=field)
    if order.field != "_id" and "k" not in position:
        raise InvalidInput(f"{field} is not a cursor from this list", field=field)
    return position.get("k"), position["i"]


def _page_size(args: PageArgs, bounds: PageBounds) -> tuple[int, bool]:
    if args.first is not None and args.last is not None:
        raise InvalidInput("give either first or last, not both", field="first")
    forward = args.last is None
    size = args.first if forward else args.last
    name = "first" if forward else "last"
    if size is None:
        return bounds.default_size, forward
    if size < 0:
        raise InvalidInput(f"{name} cannot be negative", field=name)
    if size > bounds.max_size:
        raise InvalidInput(f"{name} can be at most {bounds.max_size}", field=name)
    return size, forward


def _beyond(order: SortOrder, direction: int, value: Any, last_id: Any) -> Document:
    """The filter for documents strictly past (value, last_id) in `direction`."""
    op = "$gt" if direction == 1 else "$lt"
    if order.field == "_id":
        return {"_id": {op: last_id}}
    return {order.field: {op: value}}


_LOWER_BOUNDS = ("$gt", "$gte")
_UPPER_BOUNDS = ("$lt", "$lte")


def _tighter(first: Any, second: Any) -> Any:
    """Two range conditions on one field as one (the tighter bound of each kind); None if not ranges."""
    bounds = (*_LOWER_BOUNDS, *_UPPER_BOUNDS)
    if not (isinstance(first, dict) and isinstance(second, dict)):
        return None
    if not all(op in bounds for op in (*first, *second)):
        return None
    merged = dict(first)
    for op, bound in second.items():
        if op not in merged:
            merged[op] = bound
            continue
        try:
            merged[op] = max(merged[op], bound) if op in _LOWER_BOUNDS else min(merged[op], bound)
        except TypeError:
            return None  # bounds of different types: let the server compare them
    return merged


def _all_of(conditions: list[Document]) -> Document:
    """The conjunction of `conditions` as one flat filter where possible, else `$and`.

    A consultation's comments are a key range and the cursor another bound on the same key;
    nx-27017 runs a flat range on its index but an `$and` of them ~30× slower (a scan).
    """
    merged: Document = {}
    for condition in conditions:
        for key, value in condition.items():
            if key not in merged:
                merged[key] = value
                continue
            combined = _tighter(merged[key], value)
            if combined is None:
                return {"$and": conditions}
            merged[key] = combined
    return merged


async def paginate(
    collection: AsyncCollection[D],
    query: Document,
    order: SortOrder,
    args: PageArgs,
    bounds: PageBounds,
    projection: Document | None = None,
) -> Page[D]:
    """One page of `collection` matching `query`, in `order`, after/before the given cursors.

    A `projection` may leave fields out, but must keep the sort key (cursors are made from it)."""
    size, forward = _page_size(args, bounds)
    direction = order.direction if forward else -order.direction
    conditions = [query] if query else []
    for cursor, name, cursor_direction in (
        (args.after, "after", order.direction),
        (args.before, "before", -order.direction),
    ):
        if cursor is not None:
            value, last_id = decode_cursor(order, cursor, field=name)
            conditions.append(_beyond(order, cursor_direction, value, last_id))
    match = _all_of(conditions)
    sort = (
        [(order.field, direction)]
        if order.field == "_id"
        else [
            (order.field, direction),
            ("_id", direction),
        ]
    )
    items = await collection.find(match, projection, sort=sort, limit=size + 1).to_list() if size else []
    has_more = len(items) > size
    items = items[:size]
    if not forward:
        items.reverse()
    return Page(
        items=items,
        cursors=[encode_cursor(order, item) for item in items],
        has_next_page=has_more if forward else args.before is not None,
        has_previous_page=has_more if not forward else args.after is not None,
    )
