"""The topics domain's GraphQL fields: TopicQueries."""

from __future__ import annotations

import strawberry

from models.topics import repository
from resolvers.common.context import Info
from resolvers.topics.types import Topic


@strawberry.type
class TopicQueries:
    @strawberry.field(description="Every topic people can follow, by code (a short list, not paged).")
    async def topics(self, info: Info) -> list[Topic]:
        documents = await repository.list_topics(info.context.db)
        return [Topic.from_document(document) for document in documents]
