"""submitComment: a citizen comments on a clause of an open consultation, or on the whole draft."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from models.consultations import comments
from models.consultations.documents import Stance
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
from resolvers.consultations.types.comment import Comment
from resolvers.consultations.types.consultation import consultation_id


@strawberry.input
class SubmitCommentInput:
    consultation_id: relay.GlobalID
    clause_id: str | None = strawberry.field(default=None, description="Null: on the whole draft.")
    stance: Stance
    text: str = strawberry.field(description="2–2000 characters.")


@strawberry.type(description="The comment was received; PENDING when the consultation is premoderated.")
class CommentSubmitted:
    comment: Comment


SubmitCommentResult = Annotated[
    CommentSubmitted
    | InvalidInputError
    | NotFoundError
    | ForbiddenError
    | WrongStageError
    | ConflictError
    | RateLimitedError,
    strawberry.union("SubmitCommentResult"),
]


@protected_mutation()
async def submit_comment(info: Info, input: SubmitCommentInput) -> SubmitCommentResult:
    document = await comments.submit_comment(
        info.context.db,
        info.context.actor,
        comments.NewComment(
            consultation_id=consultation_id(input.consultation_id, field="consultationId"),
            clause_id=input.clause_id,
            stance=input.stance,
            text=input.text,
        ),
    )
    return CommentSubmitted(comment=Comment.from_document(document))
