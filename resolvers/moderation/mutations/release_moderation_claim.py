"""releaseModerationClaim: a moderator gives an item back to the queue undecided."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from models.moderation import queue
from resolvers.common.context import Info
from resolvers.common.errors import ForbiddenError, InvalidInputError, NotHoldingError, RateLimitedError
from resolvers.common.mutations import protected_mutation
from resolvers.moderation.types.queue import item_id


@strawberry.input
class ReleaseModerationClaimInput:
    item_id: relay.GlobalID


@strawberry.type
class ModerationClaimReleased:
    item_id: relay.GlobalID = strawberry.field(description="The item, back in the queue for anyone.")


ReleaseModerationClaimResult = Annotated[
    ModerationClaimReleased | NotHoldingError | InvalidInputError | ForbiddenError | RateLimitedError,
    strawberry.union("ReleaseModerationClaimResult"),
]


@protected_mutation()
async def release_moderation_claim(
    info: Info, input: ReleaseModerationClaimInput
) -> ReleaseModerationClaimResult:
    await queue.release(info.context.db, info.context.actor, item_id(input.item_id))
    return ModerationClaimReleased(item_id=input.item_id)
