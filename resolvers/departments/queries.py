"""Query fields for departments."""

from __future__ import annotations

import strawberry
from strawberry import relay

from models.departments import repository
from resolvers.common.context import Info
from resolvers.common.relay import connection_from_page, page_args
from resolvers.departments.types import Department


@strawberry.type
class DepartmentQueries:
    @strawberry.field(description="All departments, by code.")
    async def departments(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> relay.Connection[Department]:
        page = await repository.page_departments(
            info.context.db, page_args(first, after, last, before), info.context.page_bounds
        )
        return connection_from_page(relay.Connection[Department], page, Department.from_document)

    @strawberry.field(description="The department with this code, or null.")
    async def department(self, info: Info, code: str) -> Department | None:
        document = await repository.find_by_code(info.context.db, code.strip().lower())
        return Department.from_document(document) if document else None
