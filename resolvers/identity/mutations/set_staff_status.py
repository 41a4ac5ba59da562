"""setStaffStatus: an admin disables, re-enables or deletes a staff account (ending its sessions)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from models.identity import staff
from models.identity.documents import Status
from resolvers.common.context import Info
from resolvers.common.errors import (
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
)
from resolvers.common.mutations import protected_mutation
from resolvers.common.relay import node_object_id
from resolvers.identity.types import Person

# The stored statuses, as a GraphQL enum (registered on the models' enum itself).
strawberry.enum(Status, name="AccountStatus", description="Whether an account may sign in.")


@strawberry.type
class StaffStatusChanged:
    person: Person


SetStaffStatusResult = Annotated[
    StaffStatusChanged | InvalidInputError | NotFoundError | ForbiddenError | RateLimitedError,
    strawberry.union("SetStaffStatusResult"),
]


@protected_mutation()
async def set_staff_status(info: Info, person_id: relay.GlobalID, status: Status) -> SetStaffStatusResult:
    document = await staff.set_staff_status(
        info.context.db,
        info.context.actor,
        node_object_id(person_id, Person.__name__, field="personId"),
        status,
    )
    return StaffStatusChanged(person=Person.from_document(document))
