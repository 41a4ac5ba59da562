"""Notification, the inbox connection, follows, settings and devices as the app sees them."""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from bson import ObjectId
from strawberry import relay

from models.common.errors import InvalidInput
from models.notifications import repository
from models.notifications.categories import TRANSACTIONAL, Category, Delivery
from models.notifications.devices import Platform
from models.notifications.documents import DeviceDocument, FollowDocument, NotificationDocument
from models.notifications.follows import parse_target_key
from models.notifications.preferences import PersonSettings
from models.notifications.rendering import language_locale, render
from resolvers.common.context import Info
from resolvers.common.relay import node_object_id
from resolvers.consultations.types.comment import Comment
from resolvers.consultations.types.consultation import Consultation
from resolvers.departments.types import Department
from resolvers.districts.types import District
from resolvers.identity.loaders import PERSON_BY_ID
from resolvers.notifications.loaders import FOLLOW_BY_ID, NOTIFICATION_BY_ID
from resolvers.topics.types import Topic

strawberry.enum(Category, name="NotificationCategory", description="What a notification is about.")
strawberry.enum(
    Delivery,
    name="NotificationDelivery",
    description="PUSH: to your phone and the inbox; INBOX: the inbox only; OFF: nothing.",
)
strawberry.enum(Platform, name="DevicePlatform")

# What a stored `about.kind` or follow target kind is, as a GraphQL type; each loads through its
# own DataLoader and visibility rules (a draft consultation stays hidden).
NODE_TYPES: dict[str, Any] = {
    "consultation": Consultation,
    "comment": Comment,
    "consultation_comment": Comment,  # moderation events name the content kind
    "department": Department,
    "topic": Topic,
    "district": District,
}
FOLLOWABLE_KINDS = {
    "Department": "department",
    "Topic": "topic",
    "District": "district",
    "Consultation": "consultation",
}


async def node_of(info: Info, kind: str | None, node_id: object) -> relay.Node | None:
    """The node a stored (kind, id) names, batched with its siblings; None if unknown or hidden."""
    node_type = NODE_TYPES.get(kind or "")
    if node_type is None or node_id is None:
        return None
    found = node_type.resolve_nodes(info=info, node_ids=[str(node_id)], required=False)
    if inspect.isawaitable(found):
        found = await found
    return next(iter(found), None)


def follow_target(global_id: relay.GlobalID) -> tuple[str, ObjectId]:
    """(kind, id) of something to follow, from its global id."""
    kind = FOLLOWABLE_KINDS.get(global_id.type_name)
    if kind is None:
        raise InvalidInput(
            "only departments, topics, districts and consultations can be followed", field="targetId"
        )
    return kind, node_object_id(global_id, global_id.type_name, field="targetId")


async def viewer_locale(info: Info) -> str:
    """The signed-in person's app language as a locale (the inbox speaks it)."""
    person_id = info.context.actor.person_id
    person = await info.context.loaders[PERSON_BY_ID].load(person_id) if person_id else None
    return language_locale(((person or {}).get("preferences") or {}).get("language"))


@strawberry.type(description="Something that concerns you, in your inbox; text in your app language.")
class Notification(relay.Node):
    id: relay.NodeID[str]
    category: Category
    title: str
    body: str
    link: str | None = strawberry.field(description="A deep link, e.g. townhall://consultations/<id>.")
    created_at: datetime
    read_at: datetime | None
    document: strawberry.Private[NotificationDocument]

    @classmethod
    def from_document(cls, document: NotificationDocument, locale: str) -> Notification:
        params = {str(key): str(value) for key, value in (document.get("params") or {}).items()}
        rendered = render(document.get("template", ""), params, locale)
        return cls(
            id=str(document["_id"]),
            category=Category(document["category"]),
            title=rendered.title,
            body=rendered.body,
            link=document.get("link"),
            created_at=document["created_at"],
            read_at=document.get("read_at"),
            document=document,
        )

    @strawberry.field(description="Whether you have read it.")
    def read(self) -> bool:
        return self.read_at is not None

    @strawberry.field(description="What it is about (a consultation, your comment…); null if gone or hidden.")
    async def about(self, info: Info) -> relay.Node | None:
        about = self.document.get("about")
        return await node_of(info, about.get("kind"), about.get("id")) if about else None

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """By id: only your own."""
        person_id = info.context.actor.person_id
        if person_id is None:
            return [None for _ in node_ids]
        found = await info.context.loaders[NOTIFICATION_BY_ID].load_many(list(node_ids))
        locale = await viewer_locale(info)
        return [
            cls.from_document(document, locale)
            if document and document.get("person_id") == person_id
            else None
            for document in found
        ]


@strawberry.type(name="NotificationConnection", description="Your inbox, newest first.")
class NotificationConnection(relay.Connection[Notification]):
    @strawberry.field(description="How many of your notifications are unread (all of them, not this page).")
    async def unread_count(self, info: Info) -> int:
        return await repository.unread_count(info.context.db, info.context.actor)


@strawberry.type(description="Something you follow: you hear of its news and new consultations.")
class Follow(relay.Node):
    id: relay.NodeID[str]
    target_kind: str = strawberry.field(description="department, topic, district or consultation.")
    followed_at: datetime
    document: strawberry.Private[FollowDocument]

    @classmethod
    def from_document(cls, document: FollowDocument) -> Follow:
        return cls(
            id=str(document["_id"]),
            target_kind=document["target_key"].partition(":")[0],
            followed_at=document["created_at"],
            document=document,
        )

    @strawberry.field(description="What you follow; null if it is gone (or no longer visible).")
    async def target(self, info: Info) -> relay.Node | None:
        parsed = parse_target_key(self.document["target_key"])
        return await node_of(info, *parsed) if parsed else None

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """By id: only your own."""
        person_id = info.context.actor.person_id
        found = await info.context.loaders[FOLLOW_BY_ID].load_many(list(node_ids))
        return [
            cls.from_document(document)
            if document and person_id is not None and document.get("person_id") == person_id
            else None
            for document in found
        ]


@strawberry.type(description="How one category of notifications reaches you.")
class CategorySetting:
    category: Category
    delivery: Delivery
    transactional: bool = strawberry.field(
        description="About your own case (replies, outcomes, moderation…): always in your inbox, never OFF."
    )


@strawberry.type(description="Local times (HH:MM) between which pushes that are not urgent wait.")
class QuietHours:
    start: str
    end: str


@strawberry.type(description="How and when you are told.")
class NotificationSettings:
    categories: list[CategorySetting]
    quiet_hours: QuietHours | None = strawberry.field(description="Null: quiet hours are off.")
    daily_cap: int = strawberry.field(
        description="Pushes a day that are not about your own case; beyond it they come as one digest."
    )
    time_zone: str | None = strawberry.field(
        description="The IANA time zone of your quiet hours; null: your device's zone."
    )

    @classmethod
    def from_settings(cls, settings: PersonSettings) -> NotificationSettings:
        quiet = settings.quiet_hours
        return cls(
            categories=[
                CategorySetting(
                    category=category,
                    delivery=settings.delivery(category),
                    transactional=category in TRANSACTIONAL,
                )
                for category in Category
            ],
            quiet_hours=QuietHours(start=quiet[0].strftime("%H:%M"), end=quiet[1].strftime("%H:%M"))
            if quiet
            else None,
            daily_cap=settings.daily_cap,
            time_zone=settings.time_zone,
        )


@strawberry.type(description="A phone or browser your pushes go to.")
class Device:
    platform: Platform
    app_version: str
    locale: str
    time_zone: str
    registered_at: datetime
    last_seen_at: datetime

    @classmethod
    def from_document(cls, document: DeviceDocument) -> Device:
        return cls(
            platform=Platform(document["platform"]),
            app_version=document["app_version"],
            locale=document["locale"],
            time_zone=document["time_zone"],
            registered_at=document["registered_at"],
            last_seen_at=document["last_seen_at"],
        )
