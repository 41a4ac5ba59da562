"""withdrawConsultation: take back a draft or an open consultation, with a reason citizens see."""

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
class WithdrawConsultationInput:
    id: relay.GlobalID
    reason: str


@strawberry.type
class ConsultationWithdrawn:
    consultation: Consultation


WithdrawConsultationResult = Annotated[
    ConsultationWithdrawn
    | InvalidInputError
    | NotFoundError
    | ForbiddenError
    | WrongStageError
    | ConflictError
    | RateLimitedError,
    strawberry.union("WithdrawConsultationResult"),
]


@protected_mutation()
async def withdraw_consultation(info: Info, input: WithdrawConsultationInput) -> WithdrawConsultationResult:
    document = await service.withdraw(
        info.context.db,
        info.context.actor,
        consultation_id(input.id),
        input.reason,
        info.context.services.department_scope,
    )
    return ConsultationWithdrawn(consultation=Consultation.from_document(document))
