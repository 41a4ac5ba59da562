"""The identity domain's GraphQL fields: IdentityQueries and IdentityMutations."""

from __future__ import annotations

import strawberry

from resolvers.common.context import Info
from resolvers.identity.loaders import PERSON_BY_ID
from resolvers.identity.mutations.change_password import change_password
from resolvers.identity.mutations.create_staff import create_staff
from resolvers.identity.mutations.log_in_staff import log_in_staff
from resolvers.identity.mutations.refresh_session import refresh_session
from resolvers.identity.mutations.set_staff_status import set_staff_status
from resolvers.identity.mutations.sign_in_with_firebase import sign_in_with_firebase
from resolvers.identity.mutations.sign_out import sign_out
from resolvers.identity.mutations.update_me import update_me
from resolvers.identity.types import Me


@strawberry.type
class IdentityQueries:
    @strawberry.field(description="The signed-in person, or null when nobody is signed in.")
    async def me(self, info: Info) -> Me | None:
        person_id = info.context.actor.person_id
        if person_id is None:
            return None
        document = await info.context.loaders[PERSON_BY_ID].load(person_id)
        return Me.from_document(document) if document else None


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
    log_in_staff = strawberry.mutation(
        resolver=log_in_staff, description="Staff sign in with e-mail and password."
    )
    change_password = strawberry.mutation(
        resolver=change_password, description="Staff change their own password."
    )
    create_staff = strawberry.mutation(resolver=create_staff, description="Create a staff account (admins).")
    set_staff_status = strawberry.mutation(
        resolver=set_staff_status,
        description="Disable, re-enable or delete a staff account (admins); disabling ends its sessions.",
    )
