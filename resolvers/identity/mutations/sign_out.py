"""signOut: end this session, or every session of the signed-in person."""

from __future__ import annotations

import contextlib
from typing import Annotated

import strawberry

from models.common.errors import Forbidden, InvalidInput
from models.identity import sessions
from models.notifications import devices
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
async def sign_out(
    info: Info,
    everywhere: bool = False,
    device_token: Annotated[
        str | None,
        strawberry.argument(
            description="This device's push token: it stops getting this person's pushes. Signing out "
            "everywhere stops pushes to every device of theirs."
        ),
    ] = None,
) -> SignOutResult:
    if not info.context.actor.signed_in:
        raise Forbidden("sign in first")
    db, actor = info.context.db, info.context.actor
    if everywhere:
        await devices.unregister_all_devices(db, actor)
    elif device_token is not None:
        with contextlib.suppress(InvalidInput):  # a malformed token never keeps anyone signed in
            await devices.unregister_device(db, actor, device_token)
    ended = await sessions.sign_out(db, actor, everywhere=everywhere)
    return SignedOut(sessions_ended=ended)
