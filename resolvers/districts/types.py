"""The District type."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import strawberry
from strawberry import relay

from models.common.db import Document
from resolvers.common.context import Info
from resolvers.common.relay import load_nodes
from resolvers.common.types import LocalizedText
from resolvers.districts.loaders import DISTRICT_BY_ID


@strawberry.type(description="A district of the city: where people live, sign from and follow news of.")
class District(relay.Node):
    id: relay.NodeID[str]
    code: str = strawberry.field(description="A stable short name, e.g. 'donghu'.")
    name: LocalizedText
    population: int | None = strawberry.field(description="Residents, where the figure is known.")
    created_at: datetime

    @classmethod
    def from_document(cls, document: Document) -> District:
        return cls(
            id=str(document["_id"]),
            code=document["code"],
            name=LocalizedText.from_document(document["name"]),
            population=document.get("population"),
            created_at=document["created_at"],
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[District | None]:
        return await load_nodes(info, DISTRICT_BY_ID, node_ids, cls.from_document)
