"""DataLoaders for districts."""

from __future__ import annotations

from bson import ObjectId

from models.districts import repository
from models.districts.documents import DistrictDocument
from resolvers.common.loaders import LoaderSpec, keyed

DISTRICT_BY_ID: LoaderSpec[ObjectId, DistrictDocument | None] = keyed(
    "district_by_id", repository.find_by_ids
)
