"""editConsultationDraft: change a draft, naming the revision the edit was made on."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from models.consultations import service
from resolvers.common.context import Info
from resolvers.common.errors import (
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    StaleEditError,
    WrongStageError,
)
from resolvers.common.mutations import protected_mutation
from resolvers.consultations.types.consultation import (
    ClauseInput,
    Consultation,
    clause_texts,
    consultation_id,
)


@strawberry.input(description="Only the fields given change; `clauses`, when given, is the whole new text.")
class EditConsultationDraftInput:
    id: relay.GlobalID
    revision: int = strawberry.field(description="The revision the edit was made on (from `revision`).")
    title: str | None = None
    summary: str | None = None
    clauses: list[ClauseInput] | None = None
    district_codes: list[str] | None = None
    topic_codes: list[str] | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    premoderated: bool | None = None


@strawberry.type
class ConsultationDraftEdited:
    consultation: Consultation


EditConsultationDraftResult = Annotated[
    ConsultationDraftEdited
    | InvalidInputError
    | NotFoundError
    | ForbiddenError
    | StaleEditError
    | WrongStageError
    | RateLimitedError,
    strawberry.union("EditConsultationDraftResult"),
]


@protected_mutation()
async def edit_consultation_draft(
    info: Info, input: EditConsultationDraftInput
) -> EditConsultationDraftResult:
    document = await service.edit_draft(
        info.context.db,
        info.context.actor,
        consultation_id(input.id),
        input.revision,
        service.DraftChanges(
            title=input.title,
            summary=input.summary,
            clauses=clause_texts(input.clauses) if input.clauses is not None else None,
            district_codes=input.district_codes,
            topic_codes=input.topic_codes,
            opens_at=input.opens_at,
            closes_at=input.closes_at,
            premoderated=input.premoderated,
        ),
        info.context.services.department_scope,
    )
    return ConsultationDraftEdited(consultation=Consultation.from_document(document))
