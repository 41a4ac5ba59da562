"""appealModerationDecision: the author appeals a decision against their content, once."""

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
from resolvers.moderation.content_moderation import ContentModeration
from resolvers.moderation.types.queue import item_id


@strawberry.input
class AppealModerationDecisionInput:
    item_id: relay.GlobalID = strawberry.field(description="ContentModeration.itemId of your content.")
    text: str = strawberry.field(description="Why the decision is wrong: 2–2000 characters.")


@strawberry.type(description="The appeal waits for a moderator other than the one who decided.")
class ModerationDecisionAppealed:
    moderation: ContentModeration


AppealModerationDecisionResult = Annotated[
    ModerationDecisionAppealed
    | InvalidInputError
    | NotFoundError
    | ForbiddenError
    | ConflictError
    | RateLimitedError,
    strawberry.union("AppealModerationDecisionResult"),
]


@protected_mutation()
async def appeal_moderation_decision(
    info: Info, input: AppealModerationDecisionInput
) -> AppealModerationDecisionResult:
    document = await appeals.appeal(info.context.db, info.context.actor, item_id(input.item_id), input.text)
    return ModerationDecisionAppealed(moderation=ContentModeration.from_item(document))
