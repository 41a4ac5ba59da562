"""setCommentOutcome: officials give one published comment its own outcome, with a reason."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from models.consultations import report
from models.consultations.documents import Outcome
from resolvers.common.context import Info
from resolvers.common.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    WrongStageError,
)
from resolvers.common.mutations import protected_mutation
from resolvers.consultations.types.comment import Comment, comment_id


@strawberry.input
class SetCommentOutcomeInput:
    comment_id: relay.GlobalID
    outcome: Outcome
    reason: str = strawberry.field(description="2–2000 characters, told to the comment's author.")


@strawberry.type
class CommentOutcomeSet:
    comment: Comment


SetCommentOutcomeResult = Annotated[
    CommentOutcomeSet
    | InvalidInputError
    | NotFoundError
    | ForbiddenError
    | WrongStageError
    | ConflictError
    | RateLimitedError,
    strawberry.union("SetCommentOutcomeResult"),
]


@protected_mutation()
async def set_comment_outcome(info: Info, input: SetCommentOutcomeInput) -> SetCommentOutcomeResult:
    document = await report.set_comment_outcome(
        info.context.db,
        info.context.actor,
        comment_id(input.comment_id),
        input.outcome,
        input.reason,
        info.context.services.department_scope,
    )
    return CommentOutcomeSet(comment=Comment.from_document(document))
