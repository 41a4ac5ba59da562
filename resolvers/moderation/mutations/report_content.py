"""reportContent: a signed-in person reports published content, with a reason."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from models.moderation import reports
from resolvers.common.context import Info
from resolvers.common.errors import (
    AlreadyReportedError,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
)
from resolvers.common.mutations import protected_mutation
from resolvers.moderation.content import ModerationContent, content_ref, load_content


@strawberry.input
class ReportContentInput:
    content_id: relay.GlobalID = strawberry.field(description="The content reported (a Comment's id, say).")
    reason_code: str = strawberry.field(description="One of moderationReasons.")
    note: str | None = strawberry.field(default=None, description="Up to 500 characters, for moderators.")


@strawberry.type
class ContentReported:
    content: ModerationContent | None = strawberry.field(
        description="The content now: enough reports hide it until a moderator decides."
    )


ReportContentResult = Annotated[
    ContentReported
    | AlreadyReportedError
    | InvalidInputError
    | NotFoundError
    | ForbiddenError
    | ConflictError
    | RateLimitedError,
    strawberry.union("ReportContentResult"),
]


@protected_mutation()
async def report_content(info: Info, input: ReportContentInput) -> ReportContentResult:
    kind, ref_id = content_ref(input.content_id, "contentId")
    context = info.context
    await reports.report_content(
        context.db, context.actor, kind, ref_id, input.reason_code, input.note, context.services.report_policy
    )
    return ContentReported(content=await load_content(info, kind, ref_id))
