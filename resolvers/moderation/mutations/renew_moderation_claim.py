"""renewModerationClaim: a moderator extends the lease on an item they hold."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from models.moderation import queue
from resolvers.common.context import Info
from resolvers.common.errors import ForbiddenError, InvalidInputError, NotHoldingError, RateLimitedError
from resolvers.common.mutations import protected_mutation
from resolvers.moderation.types.queue import ModerationItem, item_id


@strawberry.input
class RenewModerationClaimInput:
    item_id: relay.GlobalID


@strawberry.type
class ModerationClaimRenewed:
    item: ModerationItem


RenewModerationClaimResult = Annotated[
    ModerationClaimRenewed | NotHoldingError | InvalidInputError | ForbiddenError | RateLimitedError,
    strawberry.union("RenewModerationClaimResult"),
]


@protected_mutation()
async def renew_moderation_claim(info: Info, input: RenewModerationClaimInput) -> RenewModerationClaimResult:
    document = await queue.renew(info.context.db, info.context.actor, item_id(input.item_id))
    return ModerationClaimRenewed(item=ModerationItem.from_document(document))
