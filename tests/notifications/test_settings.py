"""Notification settings through the API: defaults, updates, and what is refused."""

from __future__ import annotations

import datetime as dt

from models.notifications import preferences
from models.notifications.categories import Category, Delivery
from models.notifications.documents import NOTIFICATION_SETTINGS
from tests.consultations.comment_support import citizen, mutate, run
from tests.support.graphql_client import GraphQLClient

FIELDS = "categories { category delivery transactional } quietHours { start end } dailyCap timeZone"
SETTINGS = f"{{ notificationSettings {{ {FIELDS} }} }}"
UPDATE = f"""
mutation ($input: UpdateNotificationSettingsInput!) {{ updateNotificationSettings(input: $input) {{
  __typename
  ... on UserError {{ code message field }}
  ... on NotificationSettingsUpdated {{ settings {{ {FIELDS} }} }}
}} }}
"""


def deliveries(settings: dict) -> dict[str, str]:
    return {choice["category"]: choice["delivery"] for choice in settings["categories"]}


async def test_the_defaults(gql: GraphQLClient, db) -> None:
    _, headers = await citizen(db)

    settings = (await run(gql, SETTINGS, {}, headers))["notificationSettings"]

    assert set(deliveries(settings).values()) == {"PUSH"}
    transactional = {c["category"] for c in settings["categories"] if c["transactional"]}
    assert transactional == {
        "REPLY",
        "OUTCOME",
        "PETITION",
        "REQUEST",
        "MODERATION",
        "CONSULTATION_UPDATE",
        "ACCOUNT",
    }
    assert (settings["quietHours"], settings["dailyCap"], settings["timeZone"]) == (
        {"start": "22:00", "end": "08:00"},
        3,
        None,
    )


async def test_signed_out_there_are_no_settings(gql: GraphQLClient, db) -> None:
    assert (await run(gql, SETTINGS, {}, {}))["notificationSettings"] is None


async def test_an_update_changes_only_what_it_names(gql: GraphQLClient, db) -> None:
    person, headers = await citizen(db)
    await NOTIFICATION_SETTINGS.of(db).update_one(
        {"_id": person["_id"]}, {"$inc": {"unread": 2}}, upsert=True
    )

    first = await mutate(
        gql,
        UPDATE,
        {
            "categories": [
                {"category": "NEW_CONSULTATION", "delivery": "INBOX"},
                {"category": "LIVESTREAM", "delivery": "OFF"},
                {"category": "REPLY", "delivery": "INBOX"},
            ],
            "quietHours": {"start": "23:30", "end": "07:00"},
        },
        headers,
    )
    second = await mutate(gql, UPDATE, {"dailyCap": 5, "timeZone": "Europe/London"}, headers)

    assert deliveries(first["settings"]) | {"NEW_CONSULTATION": None} == {
        "REPLY": "INBOX",
        "OUTCOME": "PUSH",
        "PETITION": "PUSH",
        "REQUEST": "PUSH",
        "LIVESTREAM": "OFF",
        "NEW_CONSULTATION": None,
        "MODERATION": "PUSH",
        "CONSULTATION_UPDATE": "PUSH",
        "ACCOUNT": "PUSH",
    }
    assert second["settings"]["quietHours"] == {"start": "23:30", "end": "07:00"}
    assert (second["settings"]["dailyCap"], second["settings"]["timeZone"]) == (5, "Europe/London")
    assert deliveries(second["settings"])["LIVESTREAM"] == "OFF"
    # What the fan-out reads, with the inbox's unread counter untouched by the updates.
    stored = (await preferences.settings_of(db, [person["_id"]]))[person["_id"]]
    assert stored.delivery(Category.NEW_CONSULTATION) == Delivery.INBOX
    assert stored.quiet_hours == (dt.time(23, 30), dt.time(7, 0))
    assert (stored.daily_cap, stored.time_zone, stored.unread) == (5, "Europe/London", 2)


async def test_quiet_hours_switch_off_with_null(gql: GraphQLClient, db) -> None:
    person, headers = await citizen(db)

    result = await mutate(gql, UPDATE, {"quietHours": None}, headers)

    assert result["settings"]["quietHours"] is None
    assert (await preferences.settings_of(db, [person["_id"]]))[person["_id"]].quiet_hours is None


async def test_off_for_a_transactional_category_is_refused(gql: GraphQLClient, db) -> None:
    person, headers = await citizen(db)

    result = await mutate(
        gql,
        UPDATE,
        {
            "categories": [
                {"category": "LIVESTREAM", "delivery": "OFF"},
                {"category": "OUTCOME", "delivery": "OFF"},
            ]
        },
        headers,
    )

    assert result["__typename"] == "InvalidInputError"
    assert (result["code"], result["field"]) == ("INVALID_INPUT", "categories")
    assert "outcome" in result["message"]
    assert await NOTIFICATION_SETTINGS.of(db).find_one({"_id": person["_id"]}) is None


async def test_malformed_times_caps_and_zones_are_refused(gql: GraphQLClient, db) -> None:
    _, headers = await citizen(db)
    cases = [
        ({"quietHours": {"start": "24:00", "end": "08:00"}}, "quietHours.start"),
        ({"quietHours": {"start": "22:00", "end": "8am"}}, "quietHours.end"),
        ({"quietHours": {"start": "22:00", "end": "22:00"}}, "quietHours"),
        ({"dailyCap": 0}, "dailyCap"),
        ({"dailyCap": 1000}, "dailyCap"),
        ({"timeZone": "Asia/Atlantis"}, "timeZone"),
        ({"timeZone": "../../etc/passwd"}, "timeZone"),
    ]

    for input, field in cases:
        result = await mutate(gql, UPDATE, input, headers)
        assert (result["__typename"], result["field"]) == ("InvalidInputError", field), (input, result)


async def test_signed_out_updating_is_refused(gql: GraphQLClient, db) -> None:
    result = await mutate(gql, UPDATE, {"dailyCap": 5}, {})

    assert (result["__typename"], result["code"]) == ("ForbiddenError", "FORBIDDEN")


async def test_settings_of_reads_many_people_at_once_with_defaults(db) -> None:
    someone, _ = await citizen(db, "+8613800000001")
    nobody, _ = await citizen(db, "+8613800000002")
    await NOTIFICATION_SETTINGS.of(db).insert_one(
        {
            "_id": someone["_id"],
            "categories": {"moderation": "OFF", "livestream": "INBOX"},
            "quiet_hours": None,
        }
    )

    found = await preferences.settings_of(db, [someone["_id"], nobody["_id"], someone["_id"]])

    assert list(found) == [someone["_id"], nobody["_id"]]
    # A stored OFF for a transactional category (written before the rule) still reaches the inbox.
    assert found[someone["_id"]].delivery(Category.MODERATION) == Delivery.INBOX
    assert found[someone["_id"]].delivery(Category.LIVESTREAM) == Delivery.INBOX
    assert found[someone["_id"]].quiet_hours is None
    assert found[nobody["_id"]].quiet_hours == (dt.time(22, 0), dt.time(8, 0))
    assert found[nobody["_id"]].delivery(Category.LIVESTREAM) == Delivery.PUSH
