"""setModerationReason: an admin adds, relabels or retires a reason code."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.moderation import reasons
from resolvers.common.context import Info
from resolvers.common.errors import ForbiddenError, InvalidInputError, RateLimitedError
from resolvers.common.mutations import protected_mutation
from resolvers.moderation.types.queue import ModerationReason


@strawberry.input
class SetModerationReasonInput:
    code: str = strawberry.field(description="2–40 lower-case letters, digits or underscores.")
    label: str
    active: bool = strawberry.field(default=True, description="False retires the code (a built-in one too).")


@strawberry.type
class ModerationReasonSet:
    reasons: list[ModerationReason] = strawberry.field(description="The codes moderators may pick now.")


SetModerationReasonResult = Annotated[
    ModerationReasonSet | InvalidInputError | ForbiddenError | RateLimitedError,
    strawberry.union("SetModerationReasonResult"),
]


@protected_mutation()
async def set_moderation_reason(info: Info, input: SetModerationReasonInput) -> SetModerationReasonResult:
    db = info.context.db
    await reasons.set_reason(db, info.context.actor, input.code, input.label, active=input.active)
    active = await reasons.reasons(db)
    return ModerationReasonSet(
        reasons=[ModerationReason(code=code, label=label) for code, label in active.items()]
    )
