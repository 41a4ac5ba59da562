"""signInWithFirebase: the app exchanges a Firebase phone sign-in for Townhall tokens."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.identity import sign_in
from models.identity.phones import phone_hash
from resolvers.common.context import Info
from resolvers.common.errors import ForbiddenError, InvalidInputError, InvalidTokenError, RateLimitedError
from resolvers.common.mutations import count_attempt, protected_mutation
from resolvers.identity.types import SignedIn

SignInResult = Annotated[
    SignedIn | InvalidTokenError | InvalidInputError | ForbiddenError | RateLimitedError,
    strawberry.union("SignInResult"),
]


@protected_mutation("signIn")
async def sign_in_with_firebase(info: Info, id_token: str) -> SignInResult:
    services = info.context.services
    identity = await services.firebase.verify(id_token)
    await count_attempt(info, "signIn", account=phone_hash(services.phone_key, identity.phone_number))
    session = await sign_in.sign_in_citizen(
        info.context.db,
        services.tokens,
        phone_number=identity.phone_number,
        firebase_uid=identity.uid,
        phone_key=services.phone_key,
    )
    return SignedIn.from_session(session)
