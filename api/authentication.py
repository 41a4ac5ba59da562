"""Reading the `Authorization: Bearer` header of a request, for every endpoint alike."""

from __future__ import annotations

from models.common.db import Database
from models.identity import sessions
from models.identity.errors import InvalidToken

BEARER_HINT = "Send the access token as 'Authorization: Bearer <token>'."


async def authenticate_header(
    db: Database, policy: sessions.TokenPolicy, authorization: str | None
) -> sessions.Authenticated | None:
    """The person of the header's access token; None without a header; InvalidToken if refused."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken(BEARER_HINT)
    return await sessions.authenticate(db, policy, token.strip())
