"""The Campaign type: near-identical comments of one consultation, grouped as they came, answered once."""

from __future__ import annotations

from datetime import datetime

import strawberry
from bson import ObjectId
from strawberry import relay

from models.common.pagination import PageArgs
from models.consultations.documents import CampaignDocument
from models.consultations.repository.campaigns import campaign_comments, campaigns_of
from resolvers.common.context import Info
from resolvers.common.relay import (
    DocumentNode,
    connection_from_page,
    load_reference,
    node_object_id,
    page_args,
)
from resolvers.consultations.loaders import CAMPAIGN_BY_ID, CONSULTATION_BY_ID, THEME_BY_ID
from resolvers.consultations.types.comment import Comment, Theme, report_visible
from resolvers.consultations.types.consultation import Consultation


@strawberry.type(
    description="Near-identical comments from different people (say, a circulated text), grouped as they "
    "came: every comment counts, and officials can answer them all at once through a theme."
)
class Campaign(DocumentNode, relay.Node):
    LOADER = CAMPAIGN_BY_ID

    id: relay.NodeID[str]
    size: int = strawberry.field(description="How many of its comments are published (the ones that count).")
    sample_text: str | None = strawberry.field(description="The text of one published comment in it.")
    created_at: datetime
    document: strawberry.Private[CampaignDocument]

    @classmethod
    def from_document(cls, document: CampaignDocument) -> Campaign:
        return cls(
            id=str(document["_id"]),
            size=document.get("size", 0),
            sample_text=document.get("sample_text"),
            created_at=document["created_at"],
            document=document,
        )

    @strawberry.field(description="The consultation its comments are on.")
    async def consultation(self, info: Info) -> Consultation | None:
        return await load_reference(
            info, CONSULTATION_BY_ID, self.document["consultation_id"], Consultation.from_document
        )

    @strawberry.field(description="The theme officials answer it in; visible as the comments' outcomes are.")
    async def theme(self, info: Info) -> Theme | None:
        if not await report_visible(info, self.document["consultation_id"]):
            return None
        return await load_reference(info, THEME_BY_ID, self.document.get("theme_id"), Theme.from_document)

    @strawberry.field(
        description="Its comments in the order they came, as the consultation's list shows them: published "
        "ones and tombstones, plus your own that wait for a moderator."
    )
    async def comments(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> relay.Connection[Comment]:
        page = await campaign_comments(
            info.context.db,
            info.context.actor,
            self.document["_id"],
            page_args(first, after, last, before),
            info.context.page_bounds,
        )
        return connection_from_page(relay.Connection[Comment], page, Comment.from_document)


def campaign_id(global_id: relay.GlobalID, field: str = "campaignId") -> ObjectId:
    return node_object_id(global_id, Campaign.__name__, field)


async def consultation_campaigns(
    info: Info, consultation: ObjectId, args: PageArgs
) -> relay.Connection[Campaign]:
    """Consultation.campaigns (the field lives on the Consultation type)."""
    page = await campaigns_of(info.context.db, consultation, args, info.context.page_bounds)
    return connection_from_page(relay.Connection[Campaign], page, Campaign.from_document)
