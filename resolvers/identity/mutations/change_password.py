"""changePassword: staff change their own password (the current one is checked, with back-off)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.common.errors import Forbidden
from models.identity import staff
from resolvers.common.context import Info
from resolvers.common.errors import (
    ForbiddenError,
    InvalidCredentialsError,
    InvalidInputError,
    RateLimitedError,
)
from resolvers.common.mutations import protected_mutation


@strawberry.type
class PasswordChanged:
    changed: bool = True


ChangePasswordResult = Annotated[
    PasswordChanged | InvalidCredentialsError | InvalidInputError | RateLimitedError | ForbiddenError,
    strawberry.union("ChangePasswordResult"),
]


@protected_mutation()
async def change_password(info: Info, current_password: str, new_password: str) -> ChangePasswordResult:
    person_id = info.context.actor.person_id
    if person_id is None:
        raise Forbidden("sign in first")
    await staff.change_password(
        info.context.db,
        person_id,
        current_password,
        new_password,
        keep_session=info.context.actor.session_id,
        address=info.context.client_address,
    )
    return PasswordChanged()
