"""The Topic type."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import strawberry
from strawberry import relay

from models.common.db import Document
from resolvers.common.context import Info
from resolvers.common.relay import object_ids
from resolvers.common.types import LocalizedText
from resolvers.departments.loaders import DEPARTMENT_BY_ID
from resolvers.departments.types import Department
from resolvers.topics.loaders import TOPIC_BY_ID


@strawberry.type(description="A subject people follow, such as bus routes or school enrolment.")
class Topic(relay.Node):
    id: relay.NodeID[str]
    code: str = strawberry.field(description="A stable short name, e.g. 'bus-routes'.")
    name: LocalizedText
    created_at: datetime
    document: strawberry.Private[Document]

    @classmethod
    def from_document(cls, document: Document) -> Topic:
        return cls(
            id=str(document["_id"]),
            code=document["code"],
            name=LocalizedText.from_document(document["name"]),
            created_at=document["created_at"],
            document=document,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Topic | None]:
        ids = object_ids(node_ids)
        found = await info.context.loaders[TOPIC_BY_ID].load_many([i for i in ids if i])
        by_id = {document["_id"]: document for document in found if document}
        return [cls.from_document(by_id[i]) if i in by_id else None for i in ids]

    @strawberry.field(description="The department usually responsible for this topic; null when none is.")
    async def department(self, info: Info) -> Department | None:
        department_id = self.document.get("department_id")
        if department_id is None:
            return None
        document = await info.context.loaders[DEPARTMENT_BY_ID].load(department_id)
        return Department.from_document(document) if document else None
