"""refreshSession: a refresh token, used once, for new tokens (reusing one ends the session)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.identity import sessions
from resolvers.common.context import Info
from resolvers.common.errors import InvalidTokenError, RateLimitedError
from resolvers.common.mutations import protected_mutation
from resolvers.identity.types import SignedIn

RefreshSessionResult = Annotated[
    SignedIn | InvalidTokenError | RateLimitedError,
    strawberry.union("RefreshSessionResult"),
]


@protected_mutation()
async def refresh_session(info: Info, refresh_token: str) -> RefreshSessionResult:
    session = await sessions.refresh_session(info.context.db, info.context.services.tokens, refresh_token)
    return SignedIn.from_session(session)
