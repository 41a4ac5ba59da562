"""claimModerationItem: a moderator takes one chosen item of the queue, with a lease."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from models.moderation import queue
from resolvers.common.context import Info
from resolvers.common.errors import (
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    NotHoldingError,
    RateLimitedError,
)
from resolvers.common.mutations import protected_mutation
from resolvers.moderation.types.queue import ModerationItem, item_id


@strawberry.input
class ClaimModerationItemInput:
    item_id: relay.GlobalID


@strawberry.type
class ModerationItemClaimedById:
    item: ModerationItem


ClaimModerationItemResult = Annotated[
    ModerationItemClaimedById
    | NotHoldingError
    | NotFoundError
    | InvalidInputError
    | ForbiddenError
    | RateLimitedError,
    strawberry.union("ClaimModerationItemResult"),
]


@protected_mutation()
async def claim_moderation_item(info: Info, input: ClaimModerationItemInput) -> ClaimModerationItemResult:
    document = await queue.claim(info.context.db, info.context.actor, item_id(input.item_id))
    return ModerationItemClaimedById(item=ModerationItem.from_document(document))
