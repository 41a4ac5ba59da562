"""The departments collection: one document per department, with its place in the tree."""

from __future__ import annotations

from pymongo import ASCENDING, IndexModel

from models.common.db import declare_collection

DEPARTMENTS = declare_collection(
    "departments",
    [
        IndexModel([("code", ASCENDING)], unique=True, name="code_unique"),
        IndexModel([("parent_id", ASCENDING), ("code", ASCENDING)], name="children_by_code"),
    ],
)
# Fields: code (stable slug), name {zh, en}, parent_id (the supervising department, where
# escalations go; None at the top), ancestors (ids from the top down), created_at.
