"""DataLoaders for districts."""

from __future__ import annotations

from bson import ObjectId

from models.common.db import Document
from models.districts import repository
from resolvers.common.loaders import LoaderSpec, keyed

DISTRICT_BY_ID: LoaderSpec[ObjectId, Document | None] = keyed("district_by_id", repository.find_by_ids)
