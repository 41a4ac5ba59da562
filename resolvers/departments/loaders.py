"""DataLoaders for departments."""

from __future__ import annotations

from bson import ObjectId

from models.departments import repository
from models.departments.documents import DepartmentDocument
from resolvers.common.loaders import LoaderSpec, keyed

DEPARTMENT_BY_ID: LoaderSpec[ObjectId, DepartmentDocument | None] = keyed(
    "department_by_id", repository.find_by_ids
)
