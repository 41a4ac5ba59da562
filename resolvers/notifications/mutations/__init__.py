"""Mutations for notifications, one per module."""

from __future__ import annotations

import strawberry

from resolvers.notifications.mutations.follow_target import follow
from resolvers.notifications.mutations.mark_all_notifications_read import mark_all_notifications_read
from resolvers.notifications.mutations.mark_notification_read import mark_notification_read
from resolvers.notifications.mutations.register_device import register_device
from resolvers.notifications.mutations.unfollow_target import unfollow
from resolvers.notifications.mutations.unregister_device import unregister_device
from resolvers.notifications.mutations.update_notification_settings import update_notification_settings


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
