"""createStaff: an admin provisions a staff account (there is no self sign-up for staff)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.identity import staff
from resolvers.common.context import Info
from resolvers.common.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
)
from resolvers.common.mutations import protected_mutation
from resolvers.identity.types import Person, Role


@strawberry.input
class CreateStaffInput:
    email: str
    role: Role  # type: ignore[valid-type]
    password: str = strawberry.field(description="At least 12 characters; the person changes it later.")
    department_code: str | None = None
    public_name: str = ""


@strawberry.type
class StaffCreated:
    person: Person


CreateStaffResult = Annotated[
    StaffCreated | InvalidInputError | NotFoundError | ForbiddenError | ConflictError | RateLimitedError,
    strawberry.union("CreateStaffResult"),
]


@protected_mutation()
async def create_staff(info: Info, input: CreateStaffInput) -> CreateStaffResult:
    document = await staff.create_staff(
        info.context.db,
        info.context.actor,
        staff.NewStaff(
            email=input.email,
            role=input.role,
            password=input.password,
            department_code=input.department_code,
            public_name=input.public_name,
        ),
    )
    return StaffCreated(person=Person.from_document(document))
