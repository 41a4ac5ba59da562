"""decideModerationItem: a moderator decides an item they hold, with a reason code."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from models.common.errors import InvalidInput
from models.moderation import decisions
from models.moderation.decisions import DecisionInput
from resolvers.common.context import Info
from resolvers.common.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    NotHoldingError,
    RateLimitedError,
)
from resolvers.common.mutations import protected_mutation
from resolvers.moderation.content import content_ref
from resolvers.moderation.enums import Action
from resolvers.moderation.types.queue import ModerationItem, item_id


@strawberry.input(description="Characters start (inclusive) to end (exclusive) of the content's text.")
class TextSpanInput:
    start: int
    end: int


@strawberry.input
class DecideModerationItemInput:
    item_id: relay.GlobalID
    action: Action
    reason_code: str | None = strawberry.field(
        default=None, description="One of moderationReasons; needed for every action but APPROVE."
    )
    note: str | None = strawberry.field(default=None, description="For staff; the author never sees it.")
    redactions: list[TextSpanInput] | None = strawberry.field(
        default=None, description="REDACT: the spans of the content's text to redact."
    )
    merge_into_content_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="MERGE_DUPLICATE: the content (a Comment's id, say) this one duplicates; its author's "
        "support moves there.",
    )


@strawberry.type
class ModerationItemDecided:
    item: ModerationItem


DecideModerationItemResult = Annotated[
    ModerationItemDecided
    | NotHoldingError
    | InvalidInputError
    | NotFoundError
    | ForbiddenError
    | ConflictError
    | RateLimitedError,
    strawberry.union("DecideModerationItemResult"),
]


@protected_mutation()
async def decide_moderation_item(info: Info, input: DecideModerationItemInput) -> DecideModerationItemResult:
    db = info.context.db
    decided_id = item_id(input.item_id)
    merge_into = None
    if input.merge_into_content_id is not None:
        field = "mergeIntoContentId"
        kind, merge_into = content_ref(input.merge_into_content_id, field)
        if not decided_id.startswith(f"{kind}:"):
            raise InvalidInput("a duplicate merges into content of its own kind", field=field)
    given = DecisionInput(
        action=input.action,
        reason_code=input.reason_code,
        note=input.note,
        redactions=[(span.start, span.end) for span in input.redactions or ()],
        merge_into=merge_into,
    )
    document = await decisions.decide(db, info.context.actor, decided_id, given)
    return ModerationItemDecided(item=ModerationItem.from_document(document))
