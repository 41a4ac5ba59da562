"""The inbox through the API: newest first with paging, text in the reader's language, read marks."""

from __future__ import annotations

import datetime as dt

from bson import ObjectId
from strawberry.relay import from_base64, to_base64

from models.common.clock import utcnow
from models.identity.documents import PEOPLE
from models.notifications.categories import Category
from models.notifications.documents import NOTIFICATION_SETTINGS, NOTIFICATIONS
from tests.consultations.comment_support import citizen, gid, mutate, run, submit
from tests.consultations.drafts import make_city, make_draft, make_open
from tests.notifications.support import deliver
from tests.support.command_log import CommandLog
from tests.support.graphql_client import GraphQLClient

INBOX = """
query ($first: Int, $after: String) { notifications(first: $first, after: $after) {
  unreadCount
  edges { node { id category title body link read about { __typename id ... on Consultation { title } } } }
  pageInfo { hasNextPage endCursor }
} }
"""
UNREAD = "{ unreadNotificationCount }"
NODE = "query ($id: ID!) { node(id: $id) { __typename ... on Notification { title read } } }"
MARK = """
mutation ($input: MarkNotificationReadInput!) { markNotificationRead(input: $input) {
  __typename
  ... on UserError { code message field }
  ... on NotificationMarkedRead { unreadCount notification { id read readAt } }
} }
"""
MARK_ALL = """
mutation { markAllNotificationsRead {
  __typename ... on UserError { code message } ... on AllNotificationsMarkedRead { marked unreadCount }
} }
"""


def notification_gid(document: dict) -> str:
    return to_base64("Notification", document["_id"])


async def fill_inbox(db, person, count: int) -> list[dict]:
    """`count` notifications a minute apart, oldest first."""
    start = utcnow() - dt.timedelta(hours=1)
    return [
        await deliver(
            db,
            person,
            created_at=start + dt.timedelta(minutes=n),
            params={"consultation": f"第{n}号征求意见稿"},
        )
        for n in range(count)
    ]


class TestInbox:
    async def test_newest_first_page_by_page_and_only_ones_own(self, gql: GraphQLClient, db) -> None:
        person, headers = await citizen(db, "+8613800000001")
        other, _ = await citizen(db, "+8613800000002")
        stored = await fill_inbox(db, person, 5)
        await fill_inbox(db, other, 2)

        first = (await run(gql, INBOX, {"first": 2}, headers))["notifications"]
        cursor = first["pageInfo"]["endCursor"]
        second = (await run(gql, INBOX, {"first": 2, "after": cursor}, headers))["notifications"]
        cursor = second["pageInfo"]["endCursor"]
        third = (await run(gql, INBOX, {"first": 2, "after": cursor}, headers))["notifications"]

        pages = [[edge["node"]["id"] for edge in page["edges"]] for page in (first, second, third)]
        newest_first = [notification_gid(document) for document in reversed(stored)]
        assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:]]
        assert [page["pageInfo"]["hasNextPage"] for page in (first, second, third)] == [True, True, False]
        assert first["unreadCount"] == 5
        assert first["edges"][0]["node"] | {"id": None} == {
            "id": None,
            "category": "REPLY",
            "title": "您的意见有了答复",
            "body": "您对《第4号征求意见稿》提出的意见，承办部门已作出答复，点击查看。",
            "link": "townhall://consultations/1",
            "read": False,
            "about": None,
        }

    async def test_the_text_is_in_the_readers_language(self, gql: GraphQLClient, db) -> None:
        person, headers = await citizen(db)
        await PEOPLE.of(db).update_one({"_id": person["_id"]}, {"$set": {"preferences.language": "en"}})
        await deliver(
            db,
            person,
            category=Category.OUTCOME,
            template="consultation.comment_outcome",
            params={
                "consultation": "E-bike parking rules",
                "outcome": "ADOPTED",
                "reason": "Clause 3 changed",
            },
        )

        node = (await run(gql, INBOX, {}, headers))["notifications"]["edges"][0]["node"]

        assert (node["category"], node["title"]) == ("OUTCOME", "Outcome of your comment: adopted")
        assert node["body"] == "Your comment on “E-bike parking rules” was adopted. Reason: Clause 3 changed"

    async def test_about_is_the_object_and_a_hidden_one_is_null(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        published = await make_open(db, city["housing"])
        draft = await make_draft(db, city["housing"])
        person, headers = await citizen(db)
        for consultation in (draft, published):
            await deliver(db, person, about={"kind": "consultation", "id": consultation["_id"]})

        edges = (await run(gql, INBOX, {}, headers))["notifications"]["edges"]

        assert [edge["node"]["about"] for edge in edges] == [
            {"__typename": "Consultation", "id": gid("Consultation", published), "title": published["title"]},
            None,
        ]

    async def test_about_ones_comment_by_either_kind_name(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        person, headers = await citizen(db)
        comment = await submit(gql, consultation, headers)
        comment_id = from_base64(comment["id"])[1]
        for kind in ("comment", "consultation_comment"):  # replies and outcomes; moderation
            await deliver(db, person, about={"kind": kind, "id": ObjectId(comment_id)})

        edges = (await run(gql, INBOX, {}, headers))["notifications"]["edges"]

        assert [edge["node"]["about"] for edge in edges] == [
            {"__typename": "Comment", "id": comment["id"]}
        ] * 2

    async def test_a_page_loads_its_objects_in_batches(
        self, gql: GraphQLClient, db, command_log: CommandLog
    ) -> None:
        city = await make_city(db)
        consultations = [await make_open(db, city["housing"], title=f"第{n}号征求意见稿") for n in range(6)]
        person, headers = await citizen(db)
        for consultation in consultations:
            await deliver(db, person, about={"kind": "consultation", "id": consultation["_id"]})

        with command_log.count() as used:
            page = (await run(gql, INBOX, {"first": 6}, headers))["notifications"]

        assert len([edge for edge in page["edges"] if edge["node"]["about"]]) == 6
        # The token check, the page, the reader, the unread count, one batch of consultations.
        assert used.named("find") <= 6, used.commands

    async def test_signed_out_there_is_no_inbox(self, gql: GraphQLClient, db) -> None:
        data = await run(gql, "{ notifications { unreadCount } unreadNotificationCount }", {}, {})

        assert data == {"notifications": None, "unreadNotificationCount": None}

    async def test_a_notification_by_node_id_only_for_its_reader(self, gql: GraphQLClient, db) -> None:
        person, headers = await citizen(db, "+8613800000001")
        _, other_headers = await citizen(db, "+8613800000002")
        (notification,) = await fill_inbox(db, person, 1)
        variables = {"id": notification_gid(notification)}

        mine = await run(gql, NODE, variables, headers)
        theirs = await run(gql, NODE, variables, other_headers)

        assert mine["node"] == {"__typename": "Notification", "title": "您的意见有了答复", "read": False}
        assert theirs["node"] is None


class TestMarkRead:
    async def test_marking_read_counts_down_once(self, gql: GraphQLClient, db) -> None:
        person, headers = await citizen(db)
        first, _ = await fill_inbox(db, person, 2)

        marked = await mutate(gql, MARK, {"id": notification_gid(first)}, headers)
        again = await mutate(gql, MARK, {"id": notification_gid(first)}, headers)

        assert (marked["unreadCount"], marked["notification"]["read"]) == (1, True)
        assert again["unreadCount"] == 1
        assert again["notification"]["readAt"] == marked["notification"]["readAt"]
        assert (await run(gql, UNREAD, {}, headers))["unreadNotificationCount"] == 1
        stored = await NOTIFICATIONS.of(db).find_one({"_id": first["_id"]})
        assert stored["read_at"] == dt.datetime.fromisoformat(marked["notification"]["readAt"])

    async def test_someone_elses_notification_is_not_found(self, gql: GraphQLClient, db) -> None:
        person, _ = await citizen(db, "+8613800000001")
        _, other_headers = await citizen(db, "+8613800000002")
        (notification,) = await fill_inbox(db, person, 1)

        result = await mutate(gql, MARK, {"id": notification_gid(notification)}, other_headers)

        assert (result["__typename"], result["code"], result["field"]) == ("NotFoundError", "NOT_FOUND", "id")
        assert (await NOTIFICATIONS.of(db).find_one({"_id": notification["_id"]}))["read_at"] is None
        settings = await NOTIFICATION_SETTINGS.of(db).find_one({"_id": person["_id"]})
        assert settings["unread"] == 1

    async def test_an_id_of_another_type_is_refused(self, gql: GraphQLClient, db) -> None:
        _, headers = await citizen(db)

        result = await mutate(gql, MARK, {"id": to_base64("Consultation", "x")}, headers)

        assert (result["__typename"], result["field"]) == ("InvalidInputError", "id")

    async def test_signed_out_marking_is_refused(self, gql: GraphQLClient, db) -> None:
        result = await mutate(gql, MARK, {"id": to_base64("Notification", "x|y")}, {})

        assert result["__typename"] == "ForbiddenError"

    async def test_marking_all_read(self, gql: GraphQLClient, db) -> None:
        person, headers = await citizen(db, "+8613800000001")
        other, _ = await citizen(db, "+8613800000002")
        first, *_ = await fill_inbox(db, person, 3)
        await fill_inbox(db, other, 1)
        await mutate(gql, MARK, {"id": notification_gid(first)}, headers)

        result = (await run(gql, MARK_ALL, {}, headers))["markAllNotificationsRead"]

        assert result == {"__typename": "AllNotificationsMarkedRead", "marked": 2, "unreadCount": 0}
        page = (await run(gql, INBOX, {}, headers))["notifications"]
        assert page["unreadCount"] == 0
        assert all(edge["node"]["read"] for edge in page["edges"])
        others = await NOTIFICATIONS.of(db).find({"person_id": other["_id"]}).to_list()
        assert [document["read_at"] for document in others] == [None]
