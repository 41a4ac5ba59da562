"""logInStaff: staff sign in with e-mail and password (with back-off and lockout)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.identity import sessions, staff
from resolvers.common.context import Info
from resolvers.common.errors import (
    ForbiddenError,
    InvalidCredentialsError,
    RateLimitedError,
)
from resolvers.common.mutations import count_attempt, protected_mutation
from resolvers.identity.types import SignedIn

LogInStaffResult = Annotated[
    SignedIn | InvalidCredentialsError | RateLimitedError | ForbiddenError,
    strawberry.union("LogInStaffResult"),
]


@protected_mutation("signIn")
async def log_in_staff(info: Info, email: str, password: str) -> LogInStaffResult:
    await count_attempt(info, "signIn", account=email.strip().lower())
    person = await staff.log_in_staff(info.context.db, email, password, address=info.context.client_address)
    return SignedIn.from_session(
        await sessions.start_session(info.context.db, info.context.services.tokens, person)
    )
