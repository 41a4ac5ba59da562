"""submitCommentOnBehalf: a helper submits a citizen's comment, the citizen identified by phone number."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from models.consultations import comments
from models.consultations.documents import Channel, Stance
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
from resolvers.consultations.mutations.submit_comment import CommentSubmitted
from resolvers.consultations.types.comment import Comment
from resolvers.consultations.types.consultation import consultation_id


@strawberry.input
class SubmitCommentOnBehalfInput:
    phone_number: str = strawberry.field(
        description="The citizen's number, +country code first; linked to their account or enrolling them."
    )
    channel: Channel = strawberry.field(description="How the citizen reached the helper.")
    consultation_id: relay.GlobalID
    clause_id: str | None = strawberry.field(default=None, description="Null: on the whole draft.")
    stance: Stance
    text: str = strawberry.field(description="2–2000 characters.")


SubmitCommentOnBehalfResult = Annotated[
    CommentSubmitted
    | InvalidInputError
    | NotFoundError
    | ForbiddenError
    | WrongStageError
    | ConflictError
    | RateLimitedError,
    strawberry.union("SubmitCommentOnBehalfResult"),
]


@protected_mutation()
async def submit_comment_on_behalf(
    info: Info, input: SubmitCommentOnBehalfInput
) -> SubmitCommentOnBehalfResult:
    document = await comments.submit_on_behalf(
        info.context.db,
        info.context.actor,
        phone_number=input.phone_number,
        phone_key=info.context.services.phone_key,
        channel=input.channel,
        new=comments.NewComment(
            consultation_id=consultation_id(input.consultation_id, field="consultationId"),
            clause_id=input.clause_id,
            stance=input.stance,
            text=input.text,
        ),
    )
    return CommentSubmitted(comment=Comment.from_document(document))
