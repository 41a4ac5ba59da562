"""The topics collection: one document per topic people can follow."""

from __future__ import annotations

from pymongo import ASCENDING, IndexModel

from models.common.db import declare_collection

TOPICS = declare_collection(
    "topics",
    [IndexModel([("code", ASCENDING)], unique=True, name="code_unique")],
)
# Fields: code (stable slug), name {zh, en}, department_id (the department usually responsible,
# None when none is), created_at.
