"""createDepartment: an admin adds a department to the tree."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.departments import service
from resolvers.common.context import Info
from resolvers.common.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
)
from resolvers.common.mutations import protected_mutation
from resolvers.departments.types import Department


@strawberry.input
class CreateDepartmentInput:
    code: str = strawberry.field(description="2–40 lowercase letters, digits or hyphens.")
    name_zh: str
    name_en: str = ""
    parent_code: str | None = strawberry.field(default=None, description="The supervising department's code.")


@strawberry.type
class DepartmentCreated:
    department: Department


CreateDepartmentResult = Annotated[
    DepartmentCreated | InvalidInputError | NotFoundError | ForbiddenError | ConflictError | RateLimitedError,
    strawberry.union("CreateDepartmentResult"),
]


@protected_mutation()
async def create_department(info: Info, input: CreateDepartmentInput) -> CreateDepartmentResult:
    document = await service.create_department(
        info.context.db,
        info.context.actor,
        service.NewDepartment(
            code=input.code,
            name_zh=input.name_zh,
            name_en=input.name_en,
            parent_code=input.parent_code,
        ),
    )
    return DepartmentCreated(department=Department.from_document(document))
