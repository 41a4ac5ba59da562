"""closeConsultation: close an open consultation early; the adoption report's deadline starts."""

from __future__ import annotations

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
class CloseConsultationInput:
    id: relay.GlobalID


@strawberry.type
class ConsultationClosed:
    consultation: Consultation


CloseConsultationResult = Annotated[
    ConsultationClosed
    | InvalidInputError
    | NotFoundError
    | ForbiddenError
    | WrongStageError
    | ConflictError
    | RateLimitedError,
    strawberry.union("CloseConsultationResult"),
]


@protected_mutation()
async def close_consultation(info: Info, input: CloseConsultationInput) -> CloseConsultationResult:
    services = info.context.services
    document = await service.close(
        info.context.db,
        info.context.actor,
        consultation_id(input.id),
        services.department_scope,
        services.calendar,
        services.consultation_report_days,
    )
    return ConsultationClosed(consultation=Consultation.from_document(document))
