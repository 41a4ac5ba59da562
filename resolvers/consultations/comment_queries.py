"""Query fields for comments: a consultation's comments, one's own, themes and the adoption report."""

from __future__ import annotations

import strawberry
from bson import ObjectId
from strawberry import relay

from models.consultations import comments, report
from resolvers.common.context import Info
from resolvers.common.relay import connection_from_page, own_page, page_args
from resolvers.consultations.types.comment import AdoptionReport, Comment, Theme
from resolvers.consultations.loaders import CONSULTATION_BY_ID
from resolvers.consultations.types.consultation import consultation_id


@strawberry.type
class CommentQueries:
    @strawberry.field(
        description="A consultation's comments in the order they came: published ones and tombstones, plus "
        "your own that wait for a moderator. `clauseId` keeps one clause's."
    )
    async def consultation_comments(
        self,
        info: Info,
        consultation_id: relay.GlobalID,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        clause_id: str | None = None,
    ) -> relay.Connection[Comment]:
        page = await comments.comments_of(
            info.context.db,
            info.context.actor,
            consultation_id_of(consultation_id),
            page_args(first, after, last, before),
            info.context.page_bounds,
            clause_id=clause_id,
        )
        return connection_from_page(relay.Connection[Comment], page, Comment.from_document)

    @strawberry.field(description="Your comments on every consultation, oldest first; null when signed out.")
    async def my_comments(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> relay.Connection[Comment] | None:
        page = await own_page(info, comments.my_comments, first, after, last, before)
        if page is None:
            return None
        return connection_from_page(relay.Connection[Comment], page, Comment.from_document)

    @strawberry.field(
        description="The themes officials grouped a consultation's comments into, oldest first."
    )
    async def consultation_themes(
        self,
        info: Info,
        consultation_id: relay.GlobalID,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> relay.Connection[Theme]:
        page = await report.page_themes(
            info.context.db,
            consultation_id_of(consultation_id),
            page_args(first, after, last, before),
            info.context.page_bounds,
        )
        return connection_from_page(relay.Connection[Theme], page, Theme.from_document)

    @strawberry.field(description="A concluded consultation's adoption report; null before it is published.")
    async def adoption_report(self, info: Info, consultation_id: relay.GlobalID) -> AdoptionReport | None:
        document = await info.context.loaders[CONSULTATION_BY_ID].load(consultation_id_of(consultation_id))
        if document is None or not document.get("report"):
            return None
        return AdoptionReport.from_document(document["report"])


def consultation_id_of(global_id: relay.GlobalID) -> ObjectId:
    return consultation_id(global_id, field="consultationId")
