"""Queries on districts."""

from __future__ import annotations

from collections.abc import Sequence

from bson import ObjectId
from pymongo import ASCENDING

from models.common.db import Database
from models.common.repository import find_by_keys
from models.districts.documents import DISTRICTS, DistrictDocument

# A city has a handful of districts; the bound keeps an unpaged list safe all the same.
MAX_DISTRICTS = 500


async def find_by_code(db: Database, code: str) -> DistrictDocument | None:
    return await DISTRICTS.of(db).find_one({"code": code})


async def find_by_ids(db: Database, ids: Sequence[ObjectId]) -> dict[ObjectId, DistrictDocument]:
    return await find_by_keys(DISTRICTS.of(db), "_id", ids)  # type: ignore[return-value]


async def list_districts(db: Database) -> list[DistrictDocument]:
    """Every district, by code (at most MAX_DISTRICTS; the code index serves the sort)."""
    cursor = DISTRICTS.of(db).find({}, sort=[("code", ASCENDING)], limit=MAX_DISTRICTS)
    return await cursor.to_list()


async def count_districts(db: Database) -> int:
    return await DISTRICTS.of(db).count_documents({})
