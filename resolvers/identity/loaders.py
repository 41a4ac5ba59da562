"""DataLoaders for people."""

from __future__ import annotations

from bson import ObjectId

from models.identity import repository
from models.identity.documents import PersonDocument
from resolvers.common.loaders import LoaderSpec, keyed

PERSON_BY_ID: LoaderSpec[ObjectId, PersonDocument | None] = keyed("person_by_id", repository.find_by_ids)
