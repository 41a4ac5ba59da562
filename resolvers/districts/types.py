"""The District type."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from models.districts.documents import DistrictDocument
from resolvers.common.relay import DocumentNode
from resolvers.common.types import LocalizedText
from resolvers.districts.loaders import DISTRICT_BY_ID


@strawberry.type(description="A district of the city: where people live, sign from and follow news of.")
class District(DocumentNode, relay.Node):
    LOADER = DISTRICT_BY_ID

    id: relay.NodeID[str]
    code: str = strawberry.field(description="A stable short name, e.g. 'donghu'.")
    name: LocalizedText
    population: int | None = strawberry.field(description="Residents, where the figure is known.")
    created_at: datetime

    @classmethod
    def from_document(cls, document: DistrictDocument) -> District:
        return cls(
            id=str(document["_id"]),
            code=document["code"],
            name=LocalizedText.from_document(document["name"]),
            population=document.get("population"),
            created_at=document["created_at"],
        )
