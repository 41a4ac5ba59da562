"""Mutations for identity, one per module."""

from __future__ import annotations

import strawberry

from resolvers.identity.mutations.refresh_session import refresh_session
from resolvers.identity.mutations.sign_in_with_firebase import sign_in_with_firebase
from resolvers.identity.mutations.sign_out import sign_out
from resolvers.identity.mutations.update_me import update_me


@strawberry.type
class IdentityMutations:
    sign_in_with_firebase = strawberry.mutation(
        resolver=sign_in_with_firebase,
        description="Exchange a Firebase phone sign-in (ID token) for Townhall tokens; creates the citizen.",
    )
    refresh_session = strawberry.mutation(
        resolver=refresh_session, description="Rotate the refresh token and get a new access token."
    )
    sign_out = strawberry.mutation(resolver=sign_out, description="End this session (or every session).")
    update_me = strawberry.mutation(resolver=update_me, description="Change your own profile.")
