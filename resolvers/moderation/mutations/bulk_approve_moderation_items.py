"""bulkApproveModerationItems: a moderator approves many open items at once (a live session's questions)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from models.moderation import decisions
from resolvers.common.context import Info
from resolvers.common.errors import ForbiddenError, InvalidInputError, RateLimitedError
from resolvers.common.mutations import protected_mutation
from resolvers.moderation.types.queue import ModerationItem, item_id


@strawberry.input
class BulkApproveModerationItemsInput:
    item_ids: list[relay.GlobalID] = strawberry.field(description="1–100 items.")


@strawberry.type(description="An item that was not approved, and why.")
class SkippedModerationItem:
    item_id: relay.GlobalID
    reason: str


@strawberry.type
class ModerationItemsApproved:
    approved: list[relay.GlobalID]
    skipped: list[SkippedModerationItem] = strawberry.field(
        description="Items decided already or held by another moderator."
    )


BulkApproveModerationItemsResult = Annotated[
    ModerationItemsApproved | InvalidInputError | ForbiddenError | RateLimitedError,
    strawberry.union("BulkApproveModerationItemsResult"),
]


def _global(stored_id: str) -> relay.GlobalID:
    return relay.GlobalID(ModerationItem.__name__, stored_id)


@protected_mutation()
async def bulk_approve_moderation_items(
    info: Info, input: BulkApproveModerationItemsInput
) -> BulkApproveModerationItemsResult:
    ids = [item_id(global_id, field="itemIds") for global_id in input.item_ids]
    result = await decisions.bulk_approve(info.context.db, info.context.actor, ids)
    return ModerationItemsApproved(
        approved=[_global(approved) for approved in result.approved],
        skipped=[SkippedModerationItem(item_id=_global(i), reason=why) for i, why in result.skipped.items()],
    )
