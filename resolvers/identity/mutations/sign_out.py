"""signOut: end this session, or every session of the signed-in person."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.common.errors import Forbidden
from models.identity import sessions
from resolvers.common.context import Info
from resolvers.common.errors import ForbiddenError, RateLimitedError
from resolvers.common.mutations import protected_mutation


@strawberry.type
class SignedOut:
    sessions_ended: int = strawberry.field(description="How many sign-in sessions this ended.")


SignOutResult = Annotated[
    SignedOut | ForbiddenError | RateLimitedError,
    strawberry.union("SignOutResult"),
]


@protected_mutation()
async def sign_out(info: Info, everywhere: bool = False) -> SignOutResult:
    if not info.context.actor.signed_in:
        raise Forbidden("sign in first")
    ended = await sessions.sign_out(info.context.db, info.context.actor, everywhere=everywhere)
    return SignedOut(sessions_ended=ended)
