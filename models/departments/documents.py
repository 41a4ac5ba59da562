"""The departments collection: one document per department, with its place in the tree."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from bson import ObjectId
from pymongo import ASCENDING, IndexModel

from models.common.db import declare_collection


class DepartmentDocument(TypedDict, total=False):
    """A department as stored (total=False: a projection reads only some fields)."""

    _id: ObjectId
    v: int  # schema version
    code: str  # stable slug
    name: dict[str, str]  # {zh, en}
    parent_id: ObjectId | None  # the supervising department, where escalations go; None at the top
    ancestors: list[ObjectId]  # from the top down
    created_at: dt.datetime


DEPARTMENTS = declare_collection(
    "departments",
    [
        IndexModel([("code", ASCENDING)], unique=True, name="code_unique"),
        IndexModel([("parent_id", ASCENDING), ("code", ASCENDING)], name="children_by_code"),
    ],
    document=DepartmentDocument,
)
