"""markNotificationRead: one notification of yours is read (again: nothing changes)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from models.notifications import inbox, repository
from resolvers.common.context import Info
from resolvers.common.errors import ForbiddenError, InvalidInputError, NotFoundError, RateLimitedError
from resolvers.common.mutations import protected_mutation
from resolvers.common.relay import node_key
from resolvers.notifications.types import Notification, viewer_locale


@strawberry.input
class MarkNotificationReadInput:
    id: relay.GlobalID


@strawberry.type
class NotificationMarkedRead:
    notification: Notification
    unread_count: int = strawberry.field(description="Your unread notifications now.")


MarkNotificationReadResult = Annotated[
    NotificationMarkedRead | InvalidInputError | NotFoundError | ForbiddenError | RateLimitedError,
    strawberry.union("MarkNotificationReadResult"),
]


@protected_mutation()
async def mark_notification_read(info: Info, input: MarkNotificationReadInput) -> MarkNotificationReadResult:
    notification_id = node_key(input.id, Notification.__name__, field="id")
    document = await inbox.mark_read(info.context.db, info.context.actor, notification_id)
    return NotificationMarkedRead(
        notification=Notification.from_document(document, await viewer_locale(info)),
        unread_count=await repository.unread_count(info.context.db, info.context.actor),
    )
