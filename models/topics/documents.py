"""The topics collection: one document per topic people can follow."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from bson import ObjectId
from pymongo import ASCENDING, IndexModel

from models.common.db import declare_collection


class TopicDocument(TypedDict, total=False):
    """A topic as stored (total=False: a projection reads only some fields)."""

    _id: ObjectId
    v: int  # schema version
    code: str  # stable slug
    name: dict[str, str]  # {zh, en}
    department_id: ObjectId | None  # the department usually responsible, None when none is
    created_at: dt.datetime


TOPICS = declare_collection(
    "topics",
    [IndexModel([("code", ASCENDING)], unique=True, name="code_unique")],
    document=TopicDocument,
)
