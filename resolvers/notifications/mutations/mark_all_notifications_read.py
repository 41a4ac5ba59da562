"""markAllNotificationsRead: everything in your inbox is read."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.notifications import inbox
from resolvers.common.context import Info
from resolvers.common.errors import ForbiddenError, RateLimitedError
from resolvers.common.mutations import protected_mutation


@strawberry.type
class AllNotificationsMarkedRead:
    marked: int = strawberry.field(description="How many were unread until now.")
    unread_count: int = strawberry.field(description="Your unread notifications now: 0.")


MarkAllNotificationsReadResult = Annotated[
    AllNotificationsMarkedRead | ForbiddenError | RateLimitedError,
    strawberry.union("MarkAllNotificationsReadResult"),
]


@protected_mutation()
async def mark_all_notifications_read(info: Info) -> MarkAllNotificationsReadResult:
    marked = await inbox.mark_all_read(info.context.db, info.context.actor)
    return AllNotificationsMarkedRead(marked=marked, unread_count=0)
