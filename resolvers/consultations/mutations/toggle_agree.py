"""toggleAgree: a citizen agrees with someone else's comment, or takes the agreement back."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from models.consultations import comments
from resolvers.common.context import Info
from resolvers.common.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    WrongStageError,
)
from resolvers.common.mutations import protected_mutation
from resolvers.consultations.types.comment import comment_id


@strawberry.input
class ToggleAgreeInput:
    comment_id: relay.GlobalID


@strawberry.type
class AgreeToggled:
    comment_id: relay.GlobalID
    agreed: bool = strawberry.field(description="Whether you agree now.")
    agree_count: int


ToggleAgreeResult = Annotated[
    AgreeToggled
    | InvalidInputError
    | NotFoundError
    | ForbiddenError
    | WrongStageError
    | ConflictError
    | RateLimitedError,
    strawberry.union("ToggleAgreeResult"),
]


@protected_mutation()
async def toggle_agree(info: Info, input: ToggleAgreeInput) -> ToggleAgreeResult:
    agreed, count = await comments.toggle_agree(
        info.context.db, info.context.actor, comment_id(input.comment_id)
    )
    return AgreeToggled(comment_id=input.comment_id, agreed=agreed, agree_count=count)
