"""The departments domain's GraphQL fields: its queries, mutations and subscriptions."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry import relay

from models.departments import repository
from models.departments.documents import DEPARTMENTS
from resolvers.common.context import Info
from resolvers.common.relay import connection_from_page, page_args
from resolvers.departments.mutations.create_department import create_department
from resolvers.departments.mutations.update_department import update_department
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


@strawberry.type
class DepartmentMutations:
    create_department = strawberry.mutation(
        resolver=create_department, description="Create a department (admins)."
    )
    update_department = strawberry.mutation(
        resolver=update_department,
        description="Rename a department (admins, or officials with authority over it).",
    )


@strawberry.type
class DepartmentSubscriptions:
    @strawberry.subscription(description="Departments as they are created or changed, from any API process.")
    async def department_changes(self, info: Info) -> AsyncGenerator[Department, None]:
        async with info.context.live_feed.subscribe(DEPARTMENTS.name, {}) as changes:
            async for document in changes.documents(DEPARTMENTS):
                yield Department.from_document(document)
