"""The districts collection: one document per district of the city."""

from __future__ import annotations

from pymongo import ASCENDING, IndexModel

from models.common.db import declare_collection

DISTRICTS = declare_collection(
    "districts",
    [IndexModel([("code", ASCENDING)], unique=True, name="code_unique")],
)
# Fields: code (stable slug), name {zh, en}, population (residents, None when not known),
# created_at.
