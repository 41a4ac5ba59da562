"""DataLoaders for notifications."""

from __future__ import annotations

from models.notifications import repository
from models.notifications.documents import FollowDocument, NotificationDocument
from resolvers.common.loaders import LoaderSpec, keyed

# Raw documents by id: Notification.resolve_nodes keeps only the viewer's own.
NOTIFICATION_BY_ID: LoaderSpec[str, NotificationDocument | None] = keyed(
    "notification_by_id", repository.find_notifications
)
FOLLOW_BY_ID: LoaderSpec[str, FollowDocument | None] = keyed("follow_by_id", repository.find_follows)
