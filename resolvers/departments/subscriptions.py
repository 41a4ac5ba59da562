"""Subscription fields for departments."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from models.departments.documents import DEPARTMENTS
from resolvers.common.context import Info
from resolvers.departments.types import Department


@strawberry.type
class DepartmentSubscriptions:
    @strawberry.subscription(description="Departments as they are created or changed, from any API process.")
    async def department_changes(self, info: Info) -> AsyncGenerator[Department, None]:
        async with info.context.live_feed.subscribe(DEPARTMENTS.name, {}) as changes:
            async for change in changes:
                yield Department.from_document(change.document)
