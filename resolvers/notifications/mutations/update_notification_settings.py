"""updateNotificationSettings: delivery per category, quiet hours, daily cap, time zone."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.notifications import preferences
from models.notifications.categories import Category, Delivery
from resolvers.common.context import Info
from resolvers.common.errors import ForbiddenError, InvalidInputError, RateLimitedError
from resolvers.common.mutations import protected_mutation
from resolvers.notifications.types import NotificationSettings


@strawberry.input
class CategorySettingInput:
    category: Category
    delivery: Delivery


@strawberry.input(description="Local times as HH:MM; start after end spans midnight (22:00–08:00).")
class QuietHoursInput:
    start: str
    end: str


@strawberry.input(description="Only the fields given change; quietHours: null switches quiet hours off.")
class UpdateNotificationSettingsInput:
    categories: list[CategorySettingInput] | None = strawberry.UNSET
    quiet_hours: QuietHoursInput | None = strawberry.UNSET
    daily_cap: int | None = strawberry.UNSET
    time_zone: str | None = strawberry.field(
        default=strawberry.UNSET, description="An IANA name; null: follow your device's zone."
    )


@strawberry.type
class NotificationSettingsUpdated:
    settings: NotificationSettings


UpdateNotificationSettingsResult = Annotated[
    NotificationSettingsUpdated | InvalidInputError | ForbiddenError | RateLimitedError,
    strawberry.union("UpdateNotificationSettingsResult"),
]


def _changes(input: UpdateNotificationSettingsInput) -> preferences.SettingsChanges:
    quiet = input.quiet_hours
    return preferences.SettingsChanges(
        categories={choice.category: choice.delivery for choice in input.categories or []},
        quiet_hours=preferences.KEEP
        if quiet is strawberry.UNSET
        else (None if quiet is None else (quiet.start, quiet.end)),
        daily_cap=preferences.KEEP if input.daily_cap in (strawberry.UNSET, None) else input.daily_cap,
        time_zone=preferences.KEEP if input.time_zone is strawberry.UNSET else input.time_zone,
    )


@protected_mutation()
async def update_notification_settings(
    info: Info, input: UpdateNotificationSettingsInput
) -> UpdateNotificationSettingsResult:
    settings = await preferences.update_settings(info.context.db, info.context.actor, _changes(input))
    return NotificationSettingsUpdated(settings=NotificationSettings.from_settings(settings))
