"""publishAdoptionReport: conclude a closed consultation; every commenter is told their comment's outcome."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from models.consultations import report
from resolvers.common.context import Info
from resolvers.common.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    ReportIncompleteError,
    WrongStageError,
)
from resolvers.common.mutations import protected_mutation
from resolvers.consultations.types.comment import AdoptionReport
from resolvers.consultations.types.consultation import Consultation, consultation_id


@strawberry.input
class PublishAdoptionReportInput:
    consultation_id: relay.GlobalID
    summary: str = strawberry.field(description="What was adopted and why, in plain language (2–10,000).")
    changed_clause_ids: list[str] = strawberry.field(description="Clauses the final text changed.")


@strawberry.type(description="The consultation is CONCLUDED; each commenter's outcome event is recorded.")
class AdoptionReportPublished:
    consultation: Consultation
    report: AdoptionReport


PublishAdoptionReportResult = Annotated[
    AdoptionReportPublished
    | ReportIncompleteError
    | InvalidInputError
    | NotFoundError
    | ForbiddenError
    | WrongStageError
    | ConflictError
    | RateLimitedError,
    strawberry.union("PublishAdoptionReportResult"),
]


@protected_mutation()
async def publish_adoption_report(
    info: Info, input: PublishAdoptionReportInput
) -> PublishAdoptionReportResult:
    document = await report.publish_report(
        info.context.db,
        info.context.actor,
        consultation_id(input.consultation_id, field="consultationId"),
        input.summary,
        input.changed_clause_ids,
        info.context.services.department_scope,
    )
    return AdoptionReportPublished(
        consultation=Consultation.from_document(document),
        report=AdoptionReport.from_document(document["report"]),
    )
