"""setThemeOutcome: officials give a theme its outcome: every comment in it without its own takes it."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from models.consultations import report
from models.consultations.documents import Outcome
from resolvers.common.context import Info
from resolvers.common.errors import (
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    WrongStageError,
)
from resolvers.common.mutations import protected_mutation
from resolvers.consultations.types.comment import Theme, theme_id


@strawberry.input
class SetThemeOutcomeInput:
    theme_id: relay.GlobalID
    outcome: Outcome
    reason: str = strawberry.field(description="2–2000 characters, told to the authors of its comments.")


@strawberry.type
class ThemeOutcomeSet:
    theme: Theme


SetThemeOutcomeResult = Annotated[
    ThemeOutcomeSet | InvalidInputError | NotFoundError | ForbiddenError | WrongStageError | RateLimitedError,
    strawberry.union("SetThemeOutcomeResult"),
]


@protected_mutation()
async def set_theme_outcome(info: Info, input: SetThemeOutcomeInput) -> SetThemeOutcomeResult:
    document = await report.set_theme_outcome(
        info.context.db,
        info.context.actor,
        theme_id(input.theme_id),
        input.outcome,
        input.reason,
        info.context.services.department_scope,
    )
    return ThemeOutcomeSet(theme=Theme.from_document(document))
