"""Query fields for notifications: the inbox, the unread count, settings, follows."""

from __future__ import annotations

import strawberry
from strawberry import relay

from models.notifications import follows, inbox, preferences
from resolvers.common.context import Info
from resolvers.common.relay import connection_from_page, own_page
from resolvers.notifications.types import (
    Follow,
    Notification,
    NotificationConnection,
    NotificationSettings,
    viewer_locale,
)


@strawberry.type
class NotificationQueries:
    @strawberry.field(description="Your inbox, newest first; null when signed out.")
    async def notifications(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> NotificationConnection | None:
        page = await own_page(info, inbox.inbox_page, first, after, last, before)
        if page is None:
            return None
        locale = await viewer_locale(info)
        return connection_from_page(
            NotificationConnection, page, lambda document: Notification.from_document(document, locale)
        )

    @strawberry.field(description="How many notifications in your inbox are unread; null when signed out.")
    async def unread_notification_count(self, info: Info) -> int | None:
        if not info.context.actor.signed_in:
            return None
        return await inbox.unread_count(info.context.db, info.context.actor)

    @strawberry.field(description="How and when you are told; null when signed out.")
    async def notification_settings(self, info: Info) -> NotificationSettings | None:
        if not info.context.actor.signed_in:
            return None
        settings = await preferences.settings_for(info.context.db, info.context.actor)
        return NotificationSettings.from_settings(settings)

    @strawberry.field(description="What you follow, by kind; null when signed out.")
    async def my_follows(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> relay.Connection[Follow] | None:
        page = await own_page(info, follows.my_follows, first, after, last, before)
        if page is None:
            return None
        return connection_from_page(relay.Connection[Follow], page, Follow.from_document)
