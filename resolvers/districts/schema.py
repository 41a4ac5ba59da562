"""The districts domain's GraphQL fields: DistrictQueries."""

from __future__ import annotations

import strawberry

from models.districts import repository
from resolvers.common.context import Info
from resolvers.districts.types import District


@strawberry.type
class DistrictQueries:
    @strawberry.field(description="Every district of the city, by code (a short list, not paged).")
    async def districts(self, info: Info) -> list[District]:
        documents = await repository.list_districts(info.context.db)
        return [District.from_document(document) for document in documents]
