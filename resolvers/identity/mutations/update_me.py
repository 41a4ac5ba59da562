"""updateMe: change one's own public name, language, text size or district."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.identity import people
from resolvers.common.context import Info
from resolvers.common.errors import ForbiddenError, InvalidInputError, NotFoundError, RateLimitedError
from resolvers.common.mutations import protected_mutation
from resolvers.identity.types import Me


@strawberry.input(description="Only the fields given change.")
class UpdateMeInput:
    public_name: str | None = None
    language: str | None = strawberry.field(default=None, description="zh or en.")
    large_text: bool | None = None
    district_code: str | None = None


@strawberry.type
class MeUpdated:
    me: Me


UpdateMeResult = Annotated[
    MeUpdated | InvalidInputError | NotFoundError | ForbiddenError | RateLimitedError,
    strawberry.union("UpdateMeResult"),
]


@protected_mutation()
async def update_me(info: Info, input: UpdateMeInput) -> UpdateMeResult:
    person = await people.update_own_profile(
        info.context.db,
        info.context.actor,
        people.ProfileChanges(
            public_name=input.public_name,
            language=input.language,
            large_text=input.large_text,
            district_code=input.district_code,
        ),
    )
    return MeUpdated(me=Me.from_document(person))
