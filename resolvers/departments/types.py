"""The Department type."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from models.departments import repository
from models.departments.documents import DepartmentDocument
from resolvers.common.context import Info
from resolvers.common.relay import DocumentNode, connection_from_page, load_reference, page_args
from resolvers.common.types import LocalizedText
from resolvers.departments.loaders import DEPARTMENT_BY_ID


@strawberry.type(description="A government department; its parent supervises it and takes escalations.")
class Department(DocumentNode, relay.Node):
    LOADER = DEPARTMENT_BY_ID

    id: relay.NodeID[str]
    code: str = strawberry.field(description="A stable short name, e.g. 'housing'.")
    name: LocalizedText
    created_at: datetime
    document: strawberry.Private[DepartmentDocument]

    @classmethod
    def from_document(cls, document: DepartmentDocument) -> Department:
        return cls(
            id=str(document["_id"]),
            code=document["code"],
            name=LocalizedText.from_document(document["name"]),
            created_at=document["created_at"],
            document=document,
        )

    @strawberry.field(description="The supervising department; null at the top of the tree.")
    async def parent(self, info: Info) -> Department | None:
        return await load_reference(
            info, DEPARTMENT_BY_ID, self.document.get("parent_id"), Department.from_document
        )

    @strawberry.field(description="The departments this one supervises, by code.")
    async def children(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> relay.Connection[Department]:
        page = await repository.page_departments(
            info.context.db,
            page_args(first, after, last, before),
            info.context.page_bounds,
            parent_id=self.document["_id"],
        )
        return connection_from_page(relay.Connection[Department], page, Department.from_document)
