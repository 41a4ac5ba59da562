"""Query fields for identity."""

from __future__ import annotations

import strawberry

from resolvers.common.context import Info
from resolvers.identity.loaders import PERSON_BY_ID
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
