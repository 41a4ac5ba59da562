"""What authors see of moderation (Comment.moderation), and appeals through the API."""

from __future__ import annotations

from typing import Any

from models.common.actors import Role
from models.common.db import Database
from tests.consultations.comment_support import citizen, gid, mutate, run, staff, stored_comment, submit
from tests.moderation.api_support import (
    APPEAL,
    COMMENT_NODE,
    COMMENTS_PAGE,
    DECIDE_APPEAL,
    MY_COMMENTS,
    admin,
    author_with_held_comment,
    claim_and_decide,
    comment_item_gid,
    held_comment,
    moderator,
    open_consultation,
    stored_item,
)
from tests.support.command_log import CommandLog
from tests.support.graphql_client import GraphQLClient

APPEAL_TEXT = "号码是小区物业的公开电话，不是个人信息。"


async def my_only_comment(gql: GraphQLClient, headers: dict[str, str]) -> dict[str, Any]:
    data = await run(gql, MY_COMMENTS, {}, headers)
    (edge,) = data["myComments"]["edges"]
    node: dict[str, Any] = edge["node"]
    return node


class TestAuthorsView:
    async def test_the_author_sees_the_rejection_and_its_reason(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        _, author, comment = await author_with_held_comment(gql, db)
        await claim_and_decide(gql, await moderator(db), "REJECT", "personal_data", note="staff only")

        mine = await my_only_comment(gql, author)

        assert mine["status"] == "REJECTED"
        assert mine["moderation"] | {"decidedAt": None} == {
            "itemId": comment_item_gid(comment["id"]),
            "status": "DECIDED",
            "action": "REJECT",
            "reasonCode": "personal_data",
            "reasonLabel": "Contains personal data",
            "decidedAt": None,
            "appealable": True,
            "appeal": None,
        }

    async def test_while_waiting_the_author_sees_an_open_item(self, gql: GraphQLClient, db: Database) -> None:
        _, author, _ = await author_with_held_comment(gql, db)

        mine = await my_only_comment(gql, author)

        assert mine["moderation"] | {"itemId": None} == {
            "itemId": None,
            "status": "OPEN",
            "action": None,
            "reasonCode": None,
            "reasonLabel": None,
            "decidedAt": None,
            "appealable": False,
            "appeal": None,
        }

    async def test_other_people_see_no_moderation_of_a_published_comment(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        _, author, comment = await author_with_held_comment(gql, db)
        await claim_and_decide(gql, await moderator(db), "APPROVE", None)
        _, neighbour = await citizen(db, "+8613900139000")
        _, official = await staff(db, "official@housing.example.cn", Role.OFFICIAL, "housing")
        variables = {"id": comment["id"]}

        as_author = await run(gql, COMMENT_NODE, variables, author)
        as_neighbour = await run(gql, COMMENT_NODE, variables, neighbour)
        as_official = await run(gql, COMMENT_NODE, variables, official)
        signed_out = await run(gql, COMMENT_NODE, variables, {})

        assert (as_author["node"]["moderation"]["action"], as_author["node"]["moderation"]["appealable"]) == (
            "APPROVE",
            False,
        )
        assert as_neighbour["node"]["status"] == "PUBLISHED"
        assert as_neighbour["node"]["moderation"] is None
        assert as_official["node"]["moderation"] is None
        assert signed_out["node"]["moderation"] is None

    async def test_moderators_see_it_on_the_comment_too(self, gql: GraphQLClient, db: Database) -> None:
        _, _, comment = await author_with_held_comment(gql, db)
        headers = await moderator(db)
        await claim_and_decide(gql, headers, "APPROVE", None)

        data = await run(gql, COMMENT_NODE, {"id": comment["id"]}, headers)

        assert data["node"]["moderation"]["action"] == "APPROVE"

    async def test_a_comment_never_queued_has_none(self, gql: GraphQLClient, db: Database) -> None:
        consultation = await open_consultation(db)
        _, author = await citizen(db)
        await submit(gql, consultation, author, text="支持在小区增设充电桩。")

        mine = await my_only_comment(gql, author)
        assert (mine["status"], mine["moderation"]) == ("PUBLISHED", None)

    async def test_a_page_of_comments_loads_their_items_in_one_query(
        self, gql: GraphQLClient, db: Database, command_log: CommandLog
    ) -> None:
        consultation = await open_consultation(db)
        _, author = await citizen(db)
        for number in range(3):
            await held_comment(gql, consultation, author, text=f"请打1381234567{number}联系我。")
        headers = await moderator(db)
        for _ in range(3):
            await claim_and_decide(gql, headers, "APPROVE", None)
        variables = {"id": gid("Consultation", consultation)}

        with command_log.count() as used:
            data = await run(gql, COMMENTS_PAGE, variables, headers)

        edges = data["consultationComments"]["edges"]
        assert [edge["node"]["moderation"]["action"] for edge in edges] == ["APPROVE"] * 3
        assert used.total == 4  # the token check (two reads), the comments, their items
        assert sum(1 for _, collection in used.commands if collection == "moderation_items") == 1


class TestAppeal:
    async def test_the_author_appeals_once(self, gql: GraphQLClient, db: Database) -> None:
        _, author, comment = await author_with_held_comment(gql, db)
        await claim_and_decide(gql, await moderator(db), "REJECT", "personal_data")
        item_id = comment_item_gid(comment["id"])

        first = await mutate(gql, APPEAL, {"itemId": item_id, "text": APPEAL_TEXT}, author)
        second = await mutate(gql, APPEAL, {"itemId": item_id, "text": "再次申诉。"}, author)

        assert first["__typename"] == "ModerationDecisionAppealed"
        assert first["moderation"] | {"decidedAt": None} == {
            "itemId": item_id,
            "status": "APPEALED",
            "action": "REJECT",
            "reasonCode": "personal_data",
            "reasonLabel": "Contains personal data",
            "decidedAt": None,
            "appealable": False,
            "appeal": {"text": APPEAL_TEXT, "upheld": None},
        }
        assert (second["__typename"], second["code"]) == ("ConflictError", "CONFLICT")
        assert (await stored_item(db, item_id))["appeal"]["text"] == APPEAL_TEXT

    async def test_someone_else_cannot_appeal(self, gql: GraphQLClient, db: Database) -> None:
        _, _, comment = await author_with_held_comment(gql, db)
        await claim_and_decide(gql, await moderator(db), "REJECT", "personal_data")
        _, stranger = await citizen(db, "+8613900139000")
        item_id = comment_item_gid(comment["id"])

        result = await mutate(gql, APPEAL, {"itemId": item_id, "text": APPEAL_TEXT}, stranger)

        assert (result["__typename"], result["code"]) == ("ForbiddenError", "FORBIDDEN")
        assert (await stored_item(db, item_id))["status"] == "DECIDED"

    async def test_an_approval_cannot_be_appealed(self, gql: GraphQLClient, db: Database) -> None:
        _, author, comment = await author_with_held_comment(gql, db)
        await claim_and_decide(gql, await moderator(db), "APPROVE", None)

        result = await mutate(
            gql, APPEAL, {"itemId": comment_item_gid(comment["id"]), "text": APPEAL_TEXT}, author
        )

        assert result["code"] == "CONFLICT"

    async def test_the_deciding_moderator_cannot_decide_the_appeal(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        _, author, comment = await author_with_held_comment(gql, db)
        zhang = await moderator(db, "zhang")
        await claim_and_decide(gql, zhang, "REJECT", "personal_data")
        item_id = comment_item_gid(comment["id"])
        await mutate(gql, APPEAL, {"itemId": item_id, "text": APPEAL_TEXT}, author)

        result = await mutate(gql, DECIDE_APPEAL, {"itemId": item_id, "uphold": False}, zhang)

        assert (result["__typename"], result["code"]) == ("ForbiddenError", "FORBIDDEN")
        assert (await stored_item(db, item_id))["status"] == "APPEALED"
        assert (await stored_comment(db, comment["id"]))["status"] == "REJECTED"

    async def test_a_second_moderator_overturns_and_the_comment_is_published(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        _, author, comment = await author_with_held_comment(gql, db)
        await claim_and_decide(gql, await moderator(db, "zhang"), "REJECT", "personal_data")
        item_id = comment_item_gid(comment["id"])
        await mutate(gql, APPEAL, {"itemId": item_id, "text": APPEAL_TEXT}, author)

        result = await mutate(
            gql,
            DECIDE_APPEAL,
            {"itemId": item_id, "uphold": False, "note": "物业电话"},
            await moderator(db, "li"),
        )

        assert result["__typename"] == "ModerationAppealDecided"
        assert result["item"]["status"] == "CLOSED"
        assert result["item"]["appeal"] == {
            "text": APPEAL_TEXT,
            "decision": {"upheld": False, "note": "物业电话", "moderator": {"publicName": "li"}},
        }
        assert result["item"]["content"]["status"] == "PUBLISHED"
        mine = await my_only_comment(gql, author)
        assert mine["status"] == "PUBLISHED"
        assert mine["moderation"]["appeal"] == {"text": APPEAL_TEXT, "upheld": False}

    async def test_citizens_cannot_decide_appeals(self, gql: GraphQLClient, db: Database) -> None:
        _, author, comment = await author_with_held_comment(gql, db)
        await claim_and_decide(gql, await admin(db), "REJECT", "personal_data")
        item_id = comment_item_gid(comment["id"])
        await mutate(gql, APPEAL, {"itemId": item_id, "text": APPEAL_TEXT}, author)

        result = await mutate(gql, DECIDE_APPEAL, {"itemId": item_id, "uphold": False}, author)

        assert result["code"] == "FORBIDDEN"
