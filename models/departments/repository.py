"""Queries on departments."""

from __future__ import annotations

from collections.abc import Sequence

from bson import ObjectId

from models.common.db import Database, Document
from models.common.pagination import Page, PageArgs, PageBounds, SortOrder, paginate
from models.common.repository import find_by_keys
from models.departments.documents import DEPARTMENTS, DepartmentDocument

BY_CODE = SortOrder("code")


async def find_by_code(db: Database, code: str) -> DepartmentDocument | None:
    return await DEPARTMENTS.of(db).find_one({"code": code})


async def find_by_ids(db: Database, ids: Sequence[ObjectId]) -> dict[ObjectId, DepartmentDocument]:
    return await find_by_keys(DEPARTMENTS.of(db), "_id", ids)  # type: ignore[return-value]


async def page_departments(
    db: Database, args: PageArgs, bounds: PageBounds, parent_id: ObjectId | None = None
) -> Page[DepartmentDocument]:
    """Departments by code; under one parent when `parent_id` is given."""
    query: Document = {"parent_id": parent_id} if parent_id is not None else {}
    return await paginate(DEPARTMENTS.of(db), query, BY_CODE, args, bounds)
