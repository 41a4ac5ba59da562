"""The moderation queue through the API: who sees it, claiming, leases, decisions, escalation."""

from __future__ import annotations

from models.common.actors import Role
from models.common.db import Database
from models.consultations.comment_moderation import CONSULTATION_COMMENT
from models.consultations.documents import COMMENTS
from models.moderation.documents import MODERATION_ITEMS
from models.moderation.queue import enqueue
from tests.consultations.comment_support import citizen, mutate, run, staff, stored_comment, submit
from tests.moderation.api_support import (
    CLAIM,
    ITEM_NODE,
    PHONE_TEXT,
    QUEUE,
    QUEUE_IDS,
    RELEASE,
    RENEW,
    admin,
    author_with_held_comment,
    claim_and_decide,
    claim_next,
    comment_item_gid,
    decide,
    held_comment,
    moderator,
    object_id,
    open_consultation,
    stored_item,
)
from tests.support.graphql_client import GraphQLClient

SUGGESTED = (
    "query ($id: ID!) { node(id: $id) { ... on ModerationItem { suggestedRedactions { start end } } } }"
)


class TestQueue:
    async def test_a_held_comment_waits_in_the_moderators_queue(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        _, _, comment = await author_with_held_comment(gql, db)
        headers = await moderator(db)

        data = await run(gql, QUEUE, {}, headers)

        (edge,) = data["moderationQueue"]["edges"]
        assert edge["node"] | {"priority": None} == {
            "id": comment_item_gid(comment["id"]),
            "kind": "consultation_comment",
            "status": "OPEN",
            "audience": "MODERATOR",
            "priority": None,
            "screeningReasons": ["personal_data:mobile"],
            "claims": 0,
            "reportCount": 0,
            "leaseUntil": None,
            "leaseOwner": None,
            "originalText": PHONE_TEXT,
            "decision": None,
            "escalation": None,
            "appeal": None,
            "content": {
                "__typename": "Comment",
                "id": comment["id"],
                "text": PHONE_TEXT,
                "status": "PENDING",
            },
        }
        assert data["moderationQueue"]["pageInfo"]["hasNextPage"] is False

    async def test_the_queue_pages_in_claiming_order(self, gql: GraphQLClient, db: Database) -> None:
        consultation = await open_consultation(db)
        _, author = await citizen(db)
        first = await held_comment(gql, consultation, author)
        second = await held_comment(gql, consultation, author, text="加我微信或打13912345678联系。")
        headers = await moderator(db)

        page_one = await run(gql, QUEUE, {"first": 1}, headers)
        after = page_one["moderationQueue"]["pageInfo"]["endCursor"]
        page_two = await run(gql, QUEUE, {"first": 1, "after": after}, headers)

        ids = [
            edge["node"]["id"] for page in (page_one, page_two) for edge in page["moderationQueue"]["edges"]
        ]
        assert ids == [comment_item_gid(first["id"]), comment_item_gid(second["id"])]
        assert page_two["moderationQueue"]["pageInfo"]["hasNextPage"] is False

    async def test_citizens_officials_and_the_signed_out_are_refused(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        _, author, _ = await author_with_held_comment(gql, db)
        _, official = await staff(db, "official@housing.example.cn", Role.OFFICIAL, "housing")

        for headers in (author, official, {}):
            response = await gql.execute(QUEUE_IDS, headers=headers)

            assert response.data is None
            assert response.error_codes() == ["FORBIDDEN"]

    async def test_an_item_by_id_only_for_moderators(self, gql: GraphQLClient, db: Database) -> None:
        _, author, comment = await author_with_held_comment(gql, db)
        variables = {"id": comment_item_gid(comment["id"])}

        as_moderator = await run(gql, ITEM_NODE, variables, await moderator(db))
        as_author = await run(gql, ITEM_NODE, variables, author)

        assert as_moderator["node"]["originalText"] == PHONE_TEXT
        assert as_author["node"] is None


class TestClaim:
    async def test_a_moderator_claims_the_waiting_item(self, gql: GraphQLClient, db: Database) -> None:
        _, _, comment = await author_with_held_comment(gql, db)
        headers = await moderator(db)

        item = await claim_next(gql, headers)

        assert item is not None
        assert (item["id"], item["claims"], item["leaseOwner"]) == (
            comment_item_gid(comment["id"]),
            1,
            {"publicName": "zhang"},
        )
        assert item["leaseUntil"] is not None

    async def test_of_two_moderators_one_gets_the_only_item_the_other_null(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        await author_with_held_comment(gql, db)

        first = await claim_next(gql, await moderator(db, "zhang"))
        second = await claim_next(gql, await moderator(db, "li"))

        assert first is not None
        assert second is None

    async def test_two_moderators_get_different_items(self, gql: GraphQLClient, db: Database) -> None:
        consultation = await open_consultation(db)
        _, author = await citizen(db)
        await held_comment(gql, consultation, author)
        await held_comment(gql, consultation, author, text="加我微信或打13912345678联系。")

        first = await claim_next(gql, await moderator(db, "zhang"))
        second = await claim_next(gql, await moderator(db, "li"))

        assert first is not None and second is not None
        assert first["id"] != second["id"]

    async def test_an_item_someone_holds_cannot_be_claimed_by_id(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        _, _, comment = await author_with_held_comment(gql, db)
        await claim_next(gql, await moderator(db, "zhang"))

        result = await mutate(
            gql, CLAIM, {"itemId": comment_item_gid(comment["id"])}, await moderator(db, "li")
        )

        assert (result["__typename"], result["code"]) == ("NotHoldingError", "NOT_HOLDING")

    async def test_citizens_cannot_claim(self, gql: GraphQLClient, db: Database) -> None:
        _, author, _ = await author_with_held_comment(gql, db)

        data = await run(gql, "mutation { claimNextModerationItem { __typename } }", {}, author)

        assert data["claimNextModerationItem"]["__typename"] == "ForbiddenError"
        (item,) = await MODERATION_ITEMS.of(db).find({}).to_list()
        assert (item["claims"], item["lease_owner"]) == (0, None)


class TestLease:
    async def test_the_holder_renews_the_lease(self, gql: GraphQLClient, db: Database) -> None:
        await author_with_held_comment(gql, db)
        headers = await moderator(db)
        item = await claim_next(gql, headers)
        assert item is not None

        result = await mutate(gql, RENEW, {"itemId": item["id"]}, headers)

        assert result["__typename"] == "ModerationClaimRenewed"
        assert result["item"]["leaseOwner"] == {"publicName": "zhang"}
        assert result["item"]["leaseUntil"] >= item["leaseUntil"]

    async def test_someone_else_cannot_renew(self, gql: GraphQLClient, db: Database) -> None:
        await author_with_held_comment(gql, db)
        item = await claim_next(gql, await moderator(db, "zhang"))
        assert item is not None

        result = await mutate(gql, RENEW, {"itemId": item["id"]}, await moderator(db, "li"))

        assert (result["__typename"], result["code"]) == ("NotHoldingError", "NOT_HOLDING")

    async def test_a_released_item_goes_to_the_next_moderator(self, gql: GraphQLClient, db: Database) -> None:
        await author_with_held_comment(gql, db)
        zhang = await moderator(db, "zhang")
        item = await claim_next(gql, zhang)
        assert item is not None

        released = await mutate(gql, RELEASE, {"itemId": item["id"]}, zhang)
        again = await claim_next(gql, await moderator(db, "li"))

        assert released == {"__typename": "ModerationClaimReleased", "itemId": item["id"]}
        assert again is not None
        assert (again["id"], again["claims"], again["leaseOwner"]) == (item["id"], 2, {"publicName": "li"})

    async def test_releasing_an_item_not_held_is_refused(self, gql: GraphQLClient, db: Database) -> None:
        _, _, comment = await author_with_held_comment(gql, db)

        result = await mutate(gql, RELEASE, {"itemId": comment_item_gid(comment["id"])}, await moderator(db))

        assert result["code"] == "NOT_HOLDING"

    async def test_another_types_id_is_invalid_input(self, gql: GraphQLClient, db: Database) -> None:
        _, _, comment = await author_with_held_comment(gql, db)

        result = await mutate(gql, RENEW, {"itemId": comment["id"]}, await moderator(db))

        assert (result["__typename"], result["field"]) == ("InvalidInputError", "itemId")


class TestDecide:
    async def test_rejecting_with_a_reason_records_it_and_keeps_the_comment_private(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        _, _, comment = await author_with_held_comment(gql, db)

        item = await claim_and_decide(gql, await moderator(db), "REJECT", "personal_data", note="含手机号")

        assert item["status"] == "DECIDED"
        assert item["decision"] | {"at": None} == {
            "action": "REJECT",
            "reasonCode": "personal_data",
            "reasonLabel": "Contains personal data",
            "note": "含手机号",
            "at": None,
            "moderator": {"publicName": "zhang"},
            "redactions": [],
            "mergedInto": None,
        }
        assert item["leaseOwner"] is None
        stored = await stored_comment(db, comment["id"])
        assert (stored["status"], stored["visible_to"]) == ("REJECTED", str(stored["author_id"]))

    async def test_approving_publishes_the_comment(self, gql: GraphQLClient, db: Database) -> None:
        _, _, comment = await author_with_held_comment(gql, db)

        item = await claim_and_decide(gql, await moderator(db), "APPROVE", None)

        assert item["content"]["status"] == "PUBLISHED"
        assert (await stored_comment(db, comment["id"]))["visible_to"] == "public"

    async def test_deciding_without_holding_the_item_is_refused(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        _, _, comment = await author_with_held_comment(gql, db)
        item_id = comment_item_gid(comment["id"])

        result = await decide(gql, await moderator(db), item_id, "REJECT", "spam")

        assert (result["__typename"], result["code"]) == ("NotHoldingError", "NOT_HOLDING")
        assert (await stored_item(db, item_id))["status"] == "OPEN"
        assert (await stored_comment(db, comment["id"]))["status"] == "PENDING"

    async def test_an_unknown_reason_code_changes_nothing(self, gql: GraphQLClient, db: Database) -> None:
        _, _, comment = await author_with_held_comment(gql, db)
        headers = await moderator(db)
        item = await claim_next(gql, headers)
        assert item is not None

        result = await decide(gql, headers, item["id"], "REJECT", "rude")

        assert result == {
            "__typename": "InvalidInputError",
            "code": "INVALID_INPUT",
            "message": "unknown reason code 'rude'",
            "field": "reasonCode",
        }
        stored = await stored_item(db, item["id"])
        assert (stored["status"], stored["decision"]) == ("OPEN", None)
        assert (await stored_comment(db, comment["id"]))["status"] == "PENDING"

    async def test_a_rejection_without_a_reason_code_changes_nothing(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        _, _, comment = await author_with_held_comment(gql, db)
        headers = await moderator(db)
        item = await claim_next(gql, headers)
        assert item is not None

        result = await decide(gql, headers, item["id"], "REJECT", None)

        assert result == {
            "__typename": "InvalidInputError",
            "code": "INVALID_INPUT",
            "message": "REJECT needs a reason code",
            "field": "reasonCode",
        }
        stored = await stored_item(db, item["id"])
        assert (stored["status"], stored["decision"]) == ("OPEN", None)
        assert (await stored_comment(db, comment["id"]))["status"] == "PENDING"

    async def test_hiding_a_published_comment_leaves_its_text_to_moderators_only(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        consultation = await open_consultation(db)
        _, author = await citizen(db)
        comment = await submit(gql, consultation, author, text="楼下那家店老板就是个骗子。")
        stored = await stored_comment(db, comment["id"])
        # Published content reaches the queue later (say, when it is reported).
        await enqueue(
            db, kind=CONSULTATION_COMMENT, ref_id=stored["_id"], author_id=stored["author_id"], reasons=[]
        )

        item = await claim_and_decide(gql, await moderator(db), "HIDE", "abuse")

        assert item["content"] == {
            "__typename": "Comment",
            "id": comment["id"],
            "text": None,
            "status": "REJECTED",
        }
        assert item["originalText"] == "楼下那家店老板就是个骗子。"
        hidden = await COMMENTS.of(db).find_one({"_id": object_id(comment["id"])})
        assert hidden is not None and hidden["text"] is None


class TestEscalate:
    async def test_an_escalated_item_goes_to_admins_only(self, gql: GraphQLClient, db: Database) -> None:
        _, _, comment = await author_with_held_comment(gql, db)
        item_id = comment_item_gid(comment["id"])

        escalated = await claim_and_decide(
            gql, await moderator(db, "zhang"), "ESCALATE", "other", note="法律问题"
        )
        by_moderator = await claim_next(gql, await moderator(db, "li"))
        root = await admin(db)
        by_admin = await claim_next(gql, root)

        assert (escalated["status"], escalated["audience"]) == ("OPEN", "ADMIN")
        assert escalated["escalation"] == {
            "action": "ESCALATE",
            "reasonCode": "other",
            "note": "法律问题",
            "moderator": {"publicName": "zhang"},
        }
        assert by_moderator is None
        assert by_admin is not None and by_admin["id"] == item_id
        assert (await stored_comment(db, comment["id"]))["status"] == "PENDING"

    async def test_moderators_no_longer_list_it_but_admins_do(self, gql: GraphQLClient, db: Database) -> None:
        await author_with_held_comment(gql, db)
        zhang = await moderator(db, "zhang")
        await claim_and_decide(gql, zhang, "ESCALATE", "other")

        for_moderator = await run(gql, QUEUE_IDS, {}, zhang)
        for_admin = await run(gql, QUEUE_IDS, {}, await admin(db))

        assert for_moderator["moderationQueue"]["edges"] == []
        assert len(for_admin["moderationQueue"]["edges"]) == 1

    async def test_the_admin_decides_it(self, gql: GraphQLClient, db: Database) -> None:
        _, _, comment = await author_with_held_comment(gql, db)
        await claim_and_decide(gql, await moderator(db), "ESCALATE", "other")

        item = await claim_and_decide(gql, await admin(db), "REJECT", "personal_data")

        assert (item["status"], item["decision"]["moderator"]) == ("DECIDED", {"publicName": "root"})
        assert (await stored_comment(db, comment["id"]))["status"] == "REJECTED"


class TestRedactAndMerge:
    async def test_a_redaction_shows_the_marked_text_and_keeps_the_original_for_moderators(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        _, _, comment = await author_with_held_comment(gql, db)
        phone = PHONE_TEXT.index("138")

        item = await claim_and_decide(
            gql,
            await moderator(db),
            "REDACT",
            "personal_data",
            redactions=[{"start": phone, "end": phone + 11}],
        )

        assert item["decision"]["redactions"] == [{"start": phone, "end": phone + 11}]
        assert item["content"]["status"] == "PUBLISHED"
        assert "13812345678" not in item["content"]["text"]
        assert item["originalText"] == PHONE_TEXT
        assert "13812345678" not in (await stored_comment(db, comment["id"]))["text"]

    async def test_the_suggested_redaction_covers_the_phone_number_and_redacts_it(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        await author_with_held_comment(gql, db)
        headers = await moderator(db)
        claimed = await claim_next(gql, headers)
        assert claimed is not None
        data = await run(gql, SUGGESTED, {"id": claimed["id"]}, headers)
        suggested = data["node"]["suggestedRedactions"]
        phone = PHONE_TEXT.index("138")

        result = await decide(gql, headers, claimed["id"], "REDACT", "personal_data", redactions=suggested)

        assert suggested == [{"start": phone, "end": phone + 11}]
        assert result["item"]["content"]["text"] == PHONE_TEXT.replace("13812345678", "［已隐去］")

    async def test_a_citizen_gets_no_suggestions(self, gql: GraphQLClient, db: Database) -> None:
        _, author, comment = await author_with_held_comment(gql, db)

        data = await run(gql, SUGGESTED, {"id": comment_item_gid(comment["id"])}, author)

        assert data["node"] is None

    async def test_a_duplicate_names_the_item_it_was_merged_into(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        consultation = await open_consultation(db)
        _, author = await citizen(db)
        await held_comment(gql, consultation, author)
        await held_comment(gql, consultation, author, text="加我微信或打13912345678联系。")
        headers = await moderator(db)
        kept = await claim_and_decide(gql, headers, "APPROVE", None)
        duplicate = await claim_next(gql, headers)
        assert duplicate is not None

        to_itself = await decide(
            gql,
            headers,
            duplicate["id"],
            "MERGE_DUPLICATE",
            "duplicate",
            mergeIntoContentId=duplicate["content"]["id"],
        )
        merged = await decide(
            gql,
            headers,
            duplicate["id"],
            "MERGE_DUPLICATE",
            "duplicate",
            mergeIntoContentId=kept["content"]["id"],
        )

        assert (to_itself["__typename"], to_itself["field"]) == ("InvalidInputError", "mergeInto")
        assert merged["__typename"] == "ModerationItemDecided"
        assert merged["item"]["decision"]["mergedInto"] == {"id": kept["content"]["id"]}
