"""DataLoaders for departments."""

from __future__ import annotations

from bson import ObjectId

from models.common.db import Document
from models.departments import repository
from resolvers.common.loaders import LoaderSpec, keyed

DEPARTMENT_BY_ID: LoaderSpec[ObjectId, Document | None] = keyed("department_by_id", repository.find_by_ids)
