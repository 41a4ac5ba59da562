"""publishConsultation: open a draft for comments now, or schedule it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from models.consultations import service
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
from resolvers.consultations.types.consultation import Consultation, consultation_id


@strawberry.input
class PublishConsultationInput:
    id: relay.GlobalID
    at: datetime | None = strawberry.field(
        default=None,
        description="When to open; default the draft's opening time. A future time schedules it "
        "(the stage stays DRAFT with `publishAt` until then); a past one opens it now.",
    )


@strawberry.type
class ConsultationPublished:
    consultation: Consultation


PublishConsultationResult = Annotated[
    ConsultationPublished
    | InvalidInputError
    | NotFoundError
    | ForbiddenError
    | WrongStageError
    | ConflictError
    | RateLimitedError,
    strawberry.union("PublishConsultationResult"),
]


@protected_mutation()
async def publish_consultation(info: Info, input: PublishConsultationInput) -> PublishConsultationResult:
    document = await service.publish(
        info.context.db,
        info.context.actor,
        consultation_id(input.id),
        info.context.services.department_scope,
        input.at,
    )
    return ConsultationPublished(consultation=Consultation.from_document(document))
