"""replyToComment: an official of the consultation's department answers a comment publicly."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from models.consultations import comments
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
class ReplyToCommentInput:
    comment_id: relay.GlobalID
    text: str = strawberry.field(description="2–2000 characters; replaces an earlier reply.")


@strawberry.type
class CommentReplied:
    comment: Comment


ReplyToCommentResult = Annotated[
    CommentReplied
    | InvalidInputError
    | NotFoundError
    | ForbiddenError
    | WrongStageError
    | ConflictError
    | RateLimitedError,
    strawberry.union("ReplyToCommentResult"),
]


@protected_mutation()
async def reply_to_comment(info: Info, input: ReplyToCommentInput) -> ReplyToCommentResult:
    document = await comments.reply_to_comment(
        info.context.db,
        info.context.actor,
        comment_id(input.comment_id),
        input.text,
        info.context.services.department_scope,
    )
    return CommentReplied(comment=Comment.from_document(document))
