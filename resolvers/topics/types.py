"""The Topic type."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from models.topics.documents import TopicDocument
from resolvers.common.context import Info
from resolvers.common.relay import DocumentNode, load_reference
from resolvers.common.types import LocalizedText
from resolvers.departments.loaders import DEPARTMENT_BY_ID
from resolvers.departments.types import Department
from resolvers.topics.loaders import TOPIC_BY_ID


@strawberry.type(description="A subject people follow, such as bus routes or school enrolment.")
class Topic(DocumentNode, relay.Node):
    LOADER = TOPIC_BY_ID

    id: relay.NodeID[str]
    code: str = strawberry.field(description="A stable short name, e.g. 'bus-routes'.")
    name: LocalizedText
    created_at: datetime
    document: strawberry.Private[TopicDocument]

    @classmethod
    def from_document(cls, document: TopicDocument) -> Topic:
        return cls(
            id=str(document["_id"]),
            code=document["code"],
            name=LocalizedText.from_document(document["name"]),
            created_at=document["created_at"],
            document=document,
        )

    @strawberry.field(description="The department usually responsible for this topic; null when none is.")
    async def department(self, info: Info) -> Department | None:
        return await load_reference(
            info, DEPARTMENT_BY_ID, self.document.get("department_id"), Department.from_document
        )
