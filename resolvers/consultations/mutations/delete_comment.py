"""deleteComment: the author deletes a comment; a tombstone keeps any reply readable."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from models.consultations import comments
from resolvers.common.context import Info
from resolvers.common.errors import ForbiddenError, InvalidInputError, NotFoundError, RateLimitedError
from resolvers.common.mutations import protected_mutation
from resolvers.consultations.types.comment import Comment, comment_id


@strawberry.input
class DeleteCommentInput:
    comment_id: relay.GlobalID


@strawberry.type
class CommentDeleted:
    comment: Comment


DeleteCommentResult = Annotated[
    CommentDeleted | InvalidInputError | NotFoundError | ForbiddenError | RateLimitedError,
    strawberry.union("DeleteCommentResult"),
]


@protected_mutation()
async def delete_comment(info: Info, input: DeleteCommentInput) -> DeleteCommentResult:
    document = await comments.delete_comment(
        info.context.db, info.context.actor, comment_id(input.comment_id)
    )
    return CommentDeleted(comment=Comment.from_document(document))
