"""Query fields for moderation: the queue (staff) and the reason codes (everyone)."""

from __future__ import annotations

import strawberry
from strawberry import relay

from models.moderation import reasons
from models.moderation.browse import queue_page
from resolvers.common.context import Info
from resolvers.common.relay import connection_from_page, page_args
from resolvers.moderation.enums import ItemStatus
from resolvers.moderation.types import ModerationItem, ModerationReason


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
