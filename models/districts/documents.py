"""The districts collection: one document per district of the city."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from bson import ObjectId
from pymongo import ASCENDING, IndexModel

from models.common.db import declare_collection


class DistrictDocument(TypedDict, total=False):
    """A district as stored (total=False: a projection reads only some fields)."""

    _id: ObjectId
    v: int  # schema version
    code: str  # stable slug
    name: dict[str, str]  # {zh, en}
    population: int | None  # residents, None when not known
    created_at: dt.datetime


DISTRICTS = declare_collection(
    "districts",
    [IndexModel([("code", ASCENDING)], unique=True, name="code_unique")],
    document=DistrictDocument,
)
