"""createConsultation: an official drafts a consultation for their department."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from models.consultations import service
from resolvers.common.context import Info
from resolvers.common.errors import ForbiddenError, InvalidInputError, NotFoundError, RateLimitedError
from resolvers.common.mutations import protected_mutation
from resolvers.consultations.types.consultation import ClauseInput, Consultation, clause_texts


@strawberry.input
class CreateConsultationInput:
    department_code: str
    title: str
    summary: str = strawberry.field(description="Plain language, at most 300 characters.")
    clauses: list[ClauseInput] = strawberry.field(description="The text in order; ids are assigned.")
    opens_at: datetime = strawberry.field(description="The planned opening (publishing may move it).")
    closes_at: datetime
    district_codes: list[str] = strawberry.field(default_factory=list)
    topic_codes: list[str] = strawberry.field(default_factory=list)
    premoderated: bool = strawberry.field(default=False, description="Screen comments before they appear.")


@strawberry.type
class ConsultationCreated:
    consultation: Consultation


CreateConsultationResult = Annotated[
    ConsultationCreated | InvalidInputError | NotFoundError | ForbiddenError | RateLimitedError,
    strawberry.union("CreateConsultationResult"),
]


@protected_mutation()
async def create_consultation(info: Info, input: CreateConsultationInput) -> CreateConsultationResult:
    document = await service.create_draft(
        info.context.db,
        info.context.actor,
        service.NewConsultation(
            department_code=input.department_code,
            title=input.title,
            summary=input.summary,
            clauses=clause_texts(input.clauses),
            opens_at=input.opens_at,
            closes_at=input.closes_at,
            district_codes=input.district_codes,
            topic_codes=input.topic_codes,
            premoderated=input.premoderated,
        ),
        info.context.services.department_scope,
    )
    return ConsultationCreated(consultation=Consultation.from_document(document))
