"""DataLoaders for consultations and their stored versions."""

from __future__ import annotations

from bson import ObjectId

from models.common.db import Document
from models.consultations import repository, versions
from resolvers.common.loaders import LoaderSpec, keyed

CONSULTATION_BY_ID: LoaderSpec[ObjectId, Document | None] = keyed(
    "consultation_by_id", repository.find_consultations
)
VERSIONS_BY_CONSULTATION: LoaderSpec[ObjectId, list[Document]] = keyed(
    "versions_by_consultation", versions.versions_by_consultation, default=[]
)
