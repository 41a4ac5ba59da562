"""DataLoaders for people."""

from __future__ import annotations

from models.identity import repository
from resolvers.common.loaders import DocumentLoader, keyed

PERSON_BY_ID: DocumentLoader = keyed("person_by_id", repository.find_by_ids)
