"""claimNextModerationItem: a moderator takes the next free item of the queue, with a lease."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.moderation import queue
from resolvers.common.context import Info
from resolvers.common.errors import ForbiddenError, RateLimitedError
from resolvers.common.mutations import protected_mutation
from resolvers.moderation.types.queue import ModerationItem


@strawberry.type
class ModerationItemClaimed:
    item: ModerationItem | None = strawberry.field(description="Null when nothing is waiting.")


ClaimNextModerationItemResult = Annotated[
    ModerationItemClaimed | ForbiddenError | RateLimitedError,
    strawberry.union("ClaimNextModerationItemResult"),
]


@protected_mutation()
async def claim_next_moderation_item(info: Info) -> ClaimNextModerationItemResult:
    document = await queue.claim_next(info.context.db, info.context.actor)
    return ModerationItemClaimed(item=ModerationItem.from_document(document) if document else None)
