"""The notifications domain's GraphQL fields: NotificationQueries and NotificationMutations."""

from __future__ import annotations

import strawberry
from strawberry import relay

from models.notifications import preferences, repository
from resolvers.common.context import Info
from resolvers.common.relay import connection_from_page, own_page
from resolvers.notifications.mutations.follow_target import follow
from resolvers.notifications.mutations.mark_all_notifications_read import mark_all_notifications_read
from resolvers.notifications.mutations.mark_notification_read import mark_notification_read
from resolvers.notifications.mutations.register_device import register_device
from resolvers.notifications.mutations.unfollow_target import unfollow
from resolvers.notifications.mutations.unregister_device import unregister_device
from resolvers.notifications.mutations.update_notification_settings import update_notification_settings
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
        page = await own_page(info, repository.inbox_page, first, after, last, before)
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
        return await repository.unread_count(info.context.db, info.context.actor)

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
        page = await own_page(info, repository.my_follows, first, after, last, before)
        if page is None:
            return None
        return connection_from_page(relay.Connection[Follow], page, Follow.from_document)


@strawberry.type
class NotificationMutations:
    register_device = strawberry.mutation(
        resolver=register_device,
        description="Send your pushes to this device too; registering again refreshes it, and a token "
        "registered by another account moves to yours.",
    )
    unregister_device = strawberry.mutation(
        resolver=unregister_device, description="Stop pushes to one of your devices."
    )
    update_notification_settings = strawberry.mutation(
        resolver=update_notification_settings,
        description="Change how and when you are told; OFF is refused for categories about your own case.",
    )
    follow = strawberry.mutation(
        resolver=follow, description="Follow a department, topic, district or consultation."
    )
    unfollow = strawberry.mutation(resolver=unfollow, description="Stop following something.")
    mark_notification_read = strawberry.mutation(
        resolver=mark_notification_read, description="Mark one of your notifications read."
    )
    mark_all_notifications_read = strawberry.mutation(
        resolver=mark_all_notifications_read, description="Mark every notification in your inbox read."
    )
