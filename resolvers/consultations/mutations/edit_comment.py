"""editComment: the author changes a comment's text in its first 15 minutes, while nobody has replied."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from models.consultations import comments
from resolvers.common.context import Info
from resolvers.common.errors import (
    ConflictError,
    EditWindowClosedError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    WrongStageError,
)
from resolvers.common.mutations import protected_mutation
from resolvers.consultations.types.comment import Comment, comment_id


@strawberry.input
class EditCommentInput:
    comment_id: relay.GlobalID
    text: str = strawberry.field(description="2–2000 characters.")


@strawberry.type
class CommentEdited:
    comment: Comment


EditCommentResult = Annotated[
    CommentEdited
    | InvalidInputError
    | NotFoundError
    | ForbiddenError
    | EditWindowClosedError
    | WrongStageError
    | ConflictError
    | RateLimitedError,
    strawberry.union("EditCommentResult"),
]


@protected_mutation()
async def edit_comment(info: Info, input: EditCommentInput) -> EditCommentResult:
    document = await comments.edit_comment(
        info.context.db, info.context.actor, comment_id(input.comment_id), input.text
    )
    return CommentEdited(comment=Comment.from_document(document))
