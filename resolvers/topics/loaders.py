"""DataLoaders for topics."""

from __future__ import annotations

from bson import ObjectId

from models.topics import repository
from models.topics.documents import TopicDocument
from resolvers.common.loaders import LoaderSpec, keyed

TOPIC_BY_ID: LoaderSpec[ObjectId, TopicDocument | None] = keyed("topic_by_id", repository.find_by_ids)
