"""The moderation domain's GraphQL fields: ModerationQueries and ModerationMutations."""

from __future__ import annotations

import strawberry
from strawberry import relay

from models.moderation import reasons, screening_rules
from models.moderation.reasons import reason_labels
from models.moderation.repository import queue_page
from models.moderation.transparency import monthly_report
from resolvers.common.context import Info
from resolvers.common.relay import connection_from_page, page_args
from resolvers.moderation.enums import ItemStatus
from resolvers.moderation.mutations.add_lexicon_terms import add_lexicon_terms
from resolvers.moderation.mutations.appeal_moderation_decision import appeal_moderation_decision
from resolvers.moderation.mutations.bulk_approve_moderation_items import bulk_approve_moderation_items
from resolvers.moderation.mutations.claim_moderation_item import claim_moderation_item
from resolvers.moderation.mutations.claim_next_moderation_item import claim_next_moderation_item
from resolvers.moderation.mutations.decide_moderation_appeal import decide_moderation_appeal
from resolvers.moderation.mutations.decide_moderation_item import decide_moderation_item
from resolvers.moderation.mutations.release_moderation_claim import release_moderation_claim
from resolvers.moderation.mutations.remove_lexicon_terms import remove_lexicon_terms
from resolvers.moderation.mutations.renew_moderation_claim import renew_moderation_claim
from resolvers.moderation.mutations.report_content import report_content
from resolvers.moderation.mutations.set_allowed_link_domains import set_allowed_link_domains
from resolvers.moderation.mutations.set_moderation_reason import set_moderation_reason
from resolvers.moderation.types.queue import ModerationItem, ModerationReason
from resolvers.moderation.types.screening_rules import ScreeningRules
from resolvers.moderation.types.transparency import TransparencyReport


@strawberry.type
class ModerationQueries:
    @strawberry.field(
        description="Moderators and admins: the queue's items in `status`, in the order they are claimed "
        "(priority, then age); admins also see escalated items. Refused (FORBIDDEN) for anyone else."
    )
    async def moderation_queue(
        self,
        info: Info,
        status: ItemStatus = ItemStatus.OPEN,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> relay.Connection[ModerationItem]:
        page = await queue_page(
            info.context.db,
            info.context.actor,
            status,
            page_args(first, after, last, before),
            info.context.page_bounds,
        )
        return connection_from_page(relay.Connection[ModerationItem], page, ModerationItem.from_document)

    @strawberry.field(description="The reason codes moderators may pick now, with their labels, by code.")
    async def moderation_reasons(self, info: Info) -> list[ModerationReason]:
        active = await reasons.reasons(info.context.db)
        return [ModerationReason(code=code, label=label) for code, label in active.items()]

    @strawberry.field(
        description="Moderators and admins: the screening rules in force. FORBIDDEN for anyone else."
    )
    async def screening_rules(self, info: Info) -> ScreeningRules:
        rules = await screening_rules.screening_rules(info.context.db, info.context.actor)
        return ScreeningRules.from_rules(rules)

    @strawberry.field(
        description="The public moderation report of a month (1–12) in the deployment's time zone. The "
        "current month is computed afresh; a future month, or one before 2024, is refused (INVALID_INPUT)."
    )
    async def moderation_transparency_report(
        self, info: Info, year: int, month: int
    ) -> TransparencyReport | None:
        db = info.context.db
        report = await monthly_report(db, year, month, time_zone=info.context.services.calendar.time_zone)
        return TransparencyReport.from_report(report, await reason_labels(db))


@strawberry.type
class ModerationMutations:
    claim_next_moderation_item = strawberry.mutation(
        resolver=claim_next_moderation_item,
        description="Moderators: take the next free item (admins also escalated ones) for a few minutes.",
    )
    claim_moderation_item = strawberry.mutation(
        resolver=claim_moderation_item,
        description="Moderators: take one item chosen from the queue (NOT_HOLDING if someone holds it).",
    )
    renew_moderation_claim = strawberry.mutation(
        resolver=renew_moderation_claim, description="Moderators: keep holding an item a few minutes more."
    )
    release_moderation_claim = strawberry.mutation(
        resolver=release_moderation_claim, description="Moderators: give an item back undecided."
    )
    decide_moderation_item = strawberry.mutation(
        resolver=decide_moderation_item,
        description="Moderators: decide an item you hold, with a reason; the author is told the reason.",
    )
    bulk_approve_moderation_items = strawberry.mutation(
        resolver=bulk_approve_moderation_items,
        description="Moderators: approve many open items at once, e.g. a live session's questions.",
    )
    report_content = strawberry.mutation(
        resolver=report_content,
        description="Report published content with a reason; enough reports hide it pending review.",
    )
    appeal_moderation_decision = strawberry.mutation(
        resolver=appeal_moderation_decision,
        description="Authors: appeal a decision against your content, once.",
    )
    decide_moderation_appeal = strawberry.mutation(
        resolver=decide_moderation_appeal,
        description="Moderators other than the one who decided: uphold or overturn an appeal.",
    )
    set_moderation_reason = strawberry.mutation(
        resolver=set_moderation_reason, description="Admins: add, relabel or retire a reason code."
    )
    add_lexicon_terms = strawberry.mutation(
        resolver=add_lexicon_terms,
        description="Admins: add terms to a lexicon category; new content is screened with them.",
    )
    remove_lexicon_terms = strawberry.mutation(
        resolver=remove_lexicon_terms,
        description="Admins: remove terms from a lexicon category (built-in ones too).",
    )
    set_allowed_link_domains = strawberry.mutation(
        resolver=set_allowed_link_domains,
        description="Admins: replace the domains links in content may point to.",
    )
