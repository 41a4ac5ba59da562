"""The moderation queue's stored enums, as GraphQL enums (registered on the models' enums themselves)."""

from __future__ import annotations

import strawberry

from models.moderation.content_kinds import Action
from models.moderation.documents import Audience, ItemStatus

# Derived from the models' enums, so a new action or status appears in the schema by itself.
strawberry.enum(Action, name="ModerationAction", description="What a moderator decided to do with content.")
strawberry.enum(
    ItemStatus,
    name="ModerationItemStatus",
    description="OPEN: waiting or being worked on; DECIDED; APPEALED: the author appealed; CLOSED: "
    "the appeal was decided.",
)
strawberry.enum(
    Audience,
    name="ModerationAudience",
    description="Who works an item: moderators, or admins once a moderator escalated it.",
)

__all__ = ["Action", "Audience", "ItemStatus"]
