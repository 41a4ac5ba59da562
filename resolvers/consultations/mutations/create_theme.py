"""createTheme: officials start a theme to answer many similar comments with one outcome."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from models.consultations import report
from resolvers.common.context import Info
from resolvers.common.errors import (
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    WrongStageError,
)
from resolvers.common.mutations import protected_mutation
from resolvers.consultations.types.comment import Theme
from resolvers.consultations.types.consultation import consultation_id


@strawberry.input
class CreateThemeInput:
    consultation_id: relay.GlobalID
    title: str = strawberry.field(description="2–100 characters, e.g. '增设非机动车停放点'.")


@strawberry.type
class ThemeCreated:
    theme: Theme


CreateThemeResult = Annotated[
    ThemeCreated | InvalidInputError | NotFoundError | ForbiddenError | WrongStageError | RateLimitedError,
    strawberry.union("CreateThemeResult"),
]


@protected_mutation()
async def create_theme(info: Info, input: CreateThemeInput) -> CreateThemeResult:
    document = await report.create_theme(
        info.context.db,
        info.context.actor,
        consultation_id(input.consultation_id, field="consultationId"),
        input.title,
        info.context.services.department_scope,
    )
    return ThemeCreated(theme=Theme.from_document(document))
