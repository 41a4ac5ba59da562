"""reviseConsultation: a new version of an open consultation's text; commenters on changed clauses hear."""

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
from resolvers.consultations.types.consultation import (
    ClauseInput,
    Consultation,
    clause_texts,
    consultation_id,
)


@strawberry.input
class ReviseConsultationInput:
    id: relay.GlobalID
    clauses: list[ClauseInput] = strawberry.field(
        description="The whole new text; a clause keeps its id (and comments) when given its `clauseId`."
    )
    note: str = strawberry.field(description="What changed and why, shown with the version.")


@strawberry.type
class ConsultationRevised:
    consultation: Consultation


ReviseConsultationResult = Annotated[
    ConsultationRevised
    | InvalidInputError
    | NotFoundError
    | ForbiddenError
    | WrongStageError
    | ConflictError
    | RateLimitedError,
    strawberry.union("ReviseConsultationResult"),
]


@protected_mutation()
async def revise_consultation(info: Info, input: ReviseConsultationInput) -> ReviseConsultationResult:
    document = await service.revise(
        info.context.db,
        info.context.actor,
        consultation_id(input.id),
        clause_texts(input.clauses),
        input.note,
        info.context.services.department_scope,
    )
    return ConsultationRevised(consultation=Consultation.from_document(document))
