"""Query fields for campaigns: a consultation's campaigns, and similar comments while someone writes."""

from __future__ import annotations

import datetime as dt

import strawberry
from bson import ObjectId
from strawberry import relay

from models.common.pagination import PageArgs
from models.common.rate_limits import RateLimit, check_all
from models.consultations import campaign_reads
from resolvers.common.context import Info
from resolvers.common.relay import connection_from_page
from resolvers.consultations.types.campaign import Campaign
from resolvers.consultations.types.comment import Comment
from resolvers.consultations.types.consultation import consultation_id

SIMILAR_COMMENTS = "similarComments"
# Applied unless TOWNHALL_RATE_LIMITS sets similarComments.<scope> rules. Only this operation's
# rules count: the app asks as people type, which must not use up their mutation budget.
DEFAULT_SIMILAR_LIMITS = (
    RateLimit(f"{SIMILAR_COMMENTS}.person", 60, dt.timedelta(minutes=1)),
    RateLimit(f"{SIMILAR_COMMENTS}.address", 300, dt.timedelta(minutes=1)),
)


async def count_lookup(info: Info) -> None:
    """Count one similar-comments lookup against its rate limits (RateLimited past them)."""
    context = info.context
    subjects = {
        "person": f"person:{context.actor.person_id}" if context.actor.person_id else None,
        "address": f"ip:{context.client_address}" if context.client_address else None,
    }
    configured = [
        rule
        for name, rule in context.services.rate_limits.rules.items()
        if name.startswith(f"{SIMILAR_COMMENTS}.")
    ]
    checks = [
        (rule, subject)
        for rule in configured or DEFAULT_SIMILAR_LIMITS
        if (subject := subjects.get(rule.name.rpartition(".")[2]))
    ]
    await check_all(context.db, checks)


async def consultation_campaigns(
    info: Info, consultation: ObjectId, args: PageArgs
) -> relay.Connection[Campaign]:
    """Consultation.campaigns (the field lives on the Consultation type)."""
    page = await campaign_reads.campaigns_of(info.context.db, consultation, args, info.context.page_bounds)
    return connection_from_page(relay.Connection[Campaign], page, Campaign.from_document)


@strawberry.type
class CampaignQueries:
    @strawberry.field(
        description="Published comments of the consultation nearly identical to `text`, most similar first: "
        "for 'similar comments already exist' while someone writes (agree with one instead?)."
    )
    async def similar_comments(
        self, info: Info, consultation_id: relay.GlobalID, text: str, first: int = 5
    ) -> list[Comment]:
        await count_lookup(info)
        found = await campaign_reads.similar_comments(
            info.context.db, consultation_id_of(consultation_id), text, first
        )
        return [Comment.from_document(document) for document in found]


def consultation_id_of(global_id: relay.GlobalID) -> ObjectId:
    return consultation_id(global_id, field="consultationId")
