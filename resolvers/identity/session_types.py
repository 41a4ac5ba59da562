"""What a sign-in or a refresh gives the app."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models.identity.sessions import Session
from resolvers.identity.types import Me


@strawberry.type(
    description="Keep the refresh token safely; send the access token as 'Authorization: Bearer'."
)
class SignedIn:
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str = strawberry.field(
        description="Use once, with refreshSession, before it expires; every use returns a new one."
    )
    refresh_token_expires_at: datetime
    me: Me

    @classmethod
    def from_session(cls, session: Session) -> SignedIn:
        return cls(
            access_token=session.access_token,
            access_token_expires_at=session.access_expires_at,
            refresh_token=session.refresh_token,
            refresh_token_expires_at=session.refresh_expires_at,
            me=Me.from_document(session.person),
        )
