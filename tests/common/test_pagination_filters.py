"""The filter a page sends: one flat range where the list's range and the cursor bound the same key."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from models.common.db import Document
from models.common.pagination import PageArgs, PageBounds, SortOrder, encode_cursor, paginate

KEY = SortOrder("page_key")


@dataclass
class RecordingCollection:
    """Stands in for a collection: records the filter, returns no documents."""

    filters: list[Document] = field(default_factory=list)

    def find(
        self, match: Document, projection: Document | None = None, **options: Any
    ) -> RecordingCollection:
        self.filters.append(match)
        return self

    async def to_list(self) -> list[Document]:
        return []


def cursor(key: str) -> str:
    return encode_cursor(KEY, {"_id": "x", "page_key": key})


async def sent(query: Document, args: PageArgs) -> Document:
    collection = RecordingCollection()
    await paginate(collection, query, KEY, args, PageBounds())  # type: ignore[arg-type]
    return collection.filters[0]


class TestFlatFilters:
    async def test_a_cursor_tightens_the_lists_own_range(self) -> None:
        query = {"page_key": {"$gt": "a:", "$lt": "a;"}, "visible_to": {"$in": ["public"]}}

        after = await sent(query, PageArgs(first=2, after=cursor("a:5")))
        before = await sent(query, PageArgs(last=2, before=cursor("a:5")))

        # nx-27017 scans for an `$and`/`$or`, but uses its index for one flat range.
        assert after == {"page_key": {"$gt": "a:5", "$lt": "a;"}, "visible_to": {"$in": ["public"]}}
        assert before == {"page_key": {"$gt": "a:", "$lt": "a:5"}, "visible_to": {"$in": ["public"]}}
        assert query == {"page_key": {"$gt": "a:", "$lt": "a;"}, "visible_to": {"$in": ["public"]}}

    async def test_a_cursor_outside_the_range_finds_nothing_rather_than_leaving_it(self) -> None:
        after = await sent({"page_key": {"$gt": "a:", "$lt": "a;"}}, PageArgs(first=2, after=cursor("b:1")))

        assert after == {"page_key": {"$gt": "b:1", "$lt": "a;"}}

    async def test_conditions_that_cannot_merge_are_joined_with_and(self) -> None:
        query = {"page_key": "a:1"}

        after = await sent(query, PageArgs(first=2, after=cursor("a:0")))

        assert after == {"$and": [{"page_key": "a:1"}, {"page_key": {"$gt": "a:0"}}]}
