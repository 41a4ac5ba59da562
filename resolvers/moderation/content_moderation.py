"""ContentModeration: what moderation decided about a piece of content, as its author (and staff) see it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from bson import ObjectId
from strawberry import relay

from models.common.actors import Role
from models.moderation import appeals
from models.moderation.content_kinds import item_id_of
from models.moderation.documents import ModerationItemDocument
from models.moderation.policy import may_read_outcome
from resolvers.common.context import Info
from resolvers.moderation.enums import Action, ItemStatus
from resolvers.moderation.loaders import ITEM_BY_ID, REASON_LABEL

MODERATION_ITEM = "ModerationItem"  # the GraphQL type of queue items, whose global ids authors appeal with


@strawberry.type(description="The author's appeal against a decision, and how it ended.")
class ContentAppeal:
    text: str
    at: datetime
    upheld: bool | None = strawberry.field(
        description="Null while the appeal waits; true: the decision stands; false: it was overturned."
    )


@strawberry.type(
    description="What moderation decided about content, for its author and staff: the action and the "
    "reason (a moderator's own note is not shown), and whether it can still be appealed."
)
class ContentModeration:
    item_id: relay.GlobalID = strawberry.field(description="The moderation item: appeal with this id.")
    status: ItemStatus
    action: Action | None = strawberry.field(description="Null until decided.")
    reason_code: str | None
    decided_at: datetime | None
    appealable: bool = strawberry.field(description="Decided against the content and not appealed yet.")
    appeal: ContentAppeal | None

    @strawberry.field(description="The reason in words, as moderators chose it.")
    async def reason_label(self, info: Info) -> str | None:
        if self.reason_code is None:
            return None
        return await info.context.loaders[REASON_LABEL].load(self.reason_code)

    @classmethod
    def from_item(cls, item: ModerationItemDocument) -> ContentModeration:
        decision = item.get("decision")
        appeal = item.get("appeal")
        outcome = appeal.get("decision") if appeal else None
        return cls(
            item_id=relay.GlobalID(MODERATION_ITEM, item["_id"]),
            status=ItemStatus(item["status"]),
            action=Action(decision["action"]) if decision else None,
            reason_code=decision.get("reason_code") if decision else None,
            decided_at=decision.get("at") if decision else None,
            appealable=appeals.appealable(item),
            appeal=ContentAppeal(
                text=appeal["text"], at=appeal["at"], upheld=outcome.get("upheld") if outcome else None
            )
            if appeal
            else None,
        )


async def moderation_of(
    info: Info, kind: str, ref_id: Any, author_id: ObjectId | None
) -> ContentModeration | None:
    """The moderation of content `ref_id` of `kind`, if the viewer may see it; None when never queued."""
    actor = info.context.actor
    if not actor.signed_in:
        return None
    if actor.role not in (Role.MODERATOR, Role.ADMIN) and actor.person_id != author_id:
        return None  # decided without loading the item
    item = await info.context.loaders[ITEM_BY_ID].load(item_id_of(kind, ref_id))
    if item is None or not may_read_outcome(actor, item):
        return None
    return ContentModeration.from_item(item)
