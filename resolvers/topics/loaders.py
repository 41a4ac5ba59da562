"""DataLoaders for topics."""

from __future__ import annotations

from bson import ObjectId

from models.common.db import Document
from models.topics import repository
from resolvers.common.loaders import LoaderSpec, keyed

TOPIC_BY_ID: LoaderSpec[ObjectId, Document | None] = keyed("topic_by_id", repository.find_by_ids)
