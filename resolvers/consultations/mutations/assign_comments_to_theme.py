"""assignCommentsToTheme: officials put published comments into a theme (moving them from another)."""

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
from resolvers.consultations.types.comment import Theme, comment_id, theme_id


@strawberry.input
class AssignCommentsToThemeInput:
    theme_id: relay.GlobalID
    comment_ids: list[relay.GlobalID] = strawberry.field(
        description="1–500 published comments of its consultation."
    )


@strawberry.type
class CommentsAssignedToTheme:
    theme: Theme
    assigned: int = strawberry.field(description="How many comments are now in the theme from this call.")


AssignCommentsToThemeResult = Annotated[
    CommentsAssignedToTheme
    | InvalidInputError
    | NotFoundError
    | ForbiddenError
    | WrongStageError
    | RateLimitedError,
    strawberry.union("AssignCommentsToThemeResult"),
]


@protected_mutation()
async def assign_comments_to_theme(
    info: Info, input: AssignCommentsToThemeInput
) -> AssignCommentsToThemeResult:
    ids = [comment_id(global_id, field="commentIds") for global_id in input.comment_ids]
    document = await report.assign_to_theme(
        info.context.db,
        info.context.actor,
        ids,
        theme_id(input.theme_id),
        info.context.services.department_scope,
    )
    return CommentsAssignedToTheme(theme=Theme.from_document(document), assigned=len(set(ids)))
