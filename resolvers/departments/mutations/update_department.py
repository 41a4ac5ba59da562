"""updateDepartment: rename a department (admins, or officials with authority over it)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.departments import service
from resolvers.common.context import Info
from resolvers.common.errors import ForbiddenError, InvalidInputError, NotFoundError, RateLimitedError
from resolvers.common.mutations import protected_mutation
from resolvers.departments.types import Department


@strawberry.input(description="Only the names given change.")
class UpdateDepartmentInput:
    code: str
    name_zh: str | None = None
    name_en: str | None = None


@strawberry.type
class DepartmentUpdated:
    department: Department


UpdateDepartmentResult = Annotated[
    DepartmentUpdated | InvalidInputError | NotFoundError | ForbiddenError | RateLimitedError,
    strawberry.union("UpdateDepartmentResult"),
]


@protected_mutation()
async def update_department(info: Info, input: UpdateDepartmentInput) -> UpdateDepartmentResult:
    document = await service.update_department(
        info.context.db,
        info.context.actor,
        input.code,
        service.DepartmentChanges(name_zh=input.name_zh, name_en=input.name_en),
        info.context.services.department_scope,
    )
    return DepartmentUpdated(department=Department.from_document(document))
