"""decideModerationAppeal: a moderator other than the decider upholds or overturns a decision."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from models.moderation import appeals
from resolvers.common.context import Info
from resolvers.common.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
)
from resolvers.common.mutations import protected_mutation
from resolvers.moderation.types.queue import ModerationItem, item_id


@strawberry.input
class DecideModerationAppealInput:
    item_id: relay.GlobalID
    uphold: bool = strawberry.field(description="True: the decision stands; false: overturn it (publish).")
    note: str | None = strawberry.field(default=None, description="For staff; the author never sees it.")


@strawberry.type
class ModerationAppealDecided:
    item: ModerationItem


DecideModerationAppealResult = Annotated[
    ModerationAppealDecided
    | InvalidInputError
    | NotFoundError
    | ForbiddenError
    | ConflictError
    | RateLimitedError,
    strawberry.union("DecideModerationAppealResult"),
]


@protected_mutation()
async def decide_moderation_appeal(
    info: Info, input: DecideModerationAppealInput
) -> DecideModerationAppealResult:
    document = await appeals.decide_appeal(
        info.context.db, info.context.actor, item_id(input.item_id), input.uphold, input.note
    )
    return ModerationAppealDecided(item=ModerationItem.from_document(document))
