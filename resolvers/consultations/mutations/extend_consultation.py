"""extendConsultation: a later closing time for an open consultation, with a reason citizens see."""

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
class ExtendConsultationInput:
    id: relay.GlobalID
    closes_at: datetime = strawberry.field(description="Later than the current closing time.")
    reason: str = strawberry.field(description="Shown to citizens with the new closing time.")


@strawberry.type
class ConsultationExtended:
    consultation: Consultation


ExtendConsultationResult = Annotated[
    ConsultationExtended
    | InvalidInputError
    | NotFoundError
    | ForbiddenError
    | WrongStageError
    | ConflictError
    | RateLimitedError,
    strawberry.union("ExtendConsultationResult"),
]


@protected_mutation()
async def extend_consultation(info: Info, input: ExtendConsultationInput) -> ExtendConsultationResult:
    document = await service.extend(
        info.context.db,
        info.context.actor,
        consultation_id(input.id),
        input.closes_at,
        input.reason,
        info.context.services.department_scope,
    )
    return ConsultationExtended(consultation=Consultation.from_document(document))
