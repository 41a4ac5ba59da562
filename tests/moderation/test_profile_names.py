"""Profile names as moderated content: screened when a citizen changes theirs, decided in the queue,
reported like any content."""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from strawberry.relay import to_base64

from models.common.actors import Role
from models.common.db import Database, Document
from models.common.outbox import OUTBOX
from models.identity.documents import PEOPLE
from models.identity.name_moderation import PROFILE_NAME, RESUBMITTED, name_screening
from models.moderation.content_kinds import item_id_of
from models.moderation.documents import MODERATION_ITEMS
from moderation.redaction import REDACTION_MARK
from tests.consultations.comment_support import citizen, mutate, run, staff
from tests.moderation.api_support import (
    APPEAL,
    CONTENT_MODERATION,
    DECIDE_APPEAL,
    RESULT,
    claim_and_decide,
    claim_next,
    decide,
    item_gid,
    moderator,
)
from tests.support.graphql_client import GraphQLClient

UPDATE_ME = f"""
mutation ($input: UpdateMeInput!) {{
  updateMe(input: $input) {{
    {RESULT}
    ... on MeUpdated {{
      me {{ pendingPublicName person {{ publicName }} publicNameModeration {{ {CONTENT_MODERATION} }} }}
    }}
  }}
}}
"""
ME = f"""
{{ me {{ pendingPublicName person {{ publicName }} publicNameModeration {{ {CONTENT_MODERATION} }} }} }}
"""
PERSON = "query ($id: ID!) { node(id: $id) { ... on Person { publicName } } }"
REPORT = f"""
mutation ($input: ReportContentInput!) {{
  reportContent(input: $input) {{
    {RESULT} ... on ContentReported {{ content {{ ... on Person {{ publicName }} }} }}
  }}
}}
"""
NAME_ITEM = """
query ($id: ID!) {
  node(id: $id) {
    ... on ModerationItem {
      kind status screeningReasons originalText content { ... on Person { publicName } }
    }
  }
}
"""

PHONE_NAME = "老王13812345678"  # a mobile number as a name
ABUSIVE_NAME = "楼下的傻逼"  # a lexicon word
CLEAN_NAME = "东湖老王"


def person_gid(person: Document) -> str:
    return to_base64("Person", str(person["_id"]))


def name_item_gid(person: Document) -> str:
    return item_gid(item_id_of(PROFILE_NAME, person["_id"]))


async def rename(gql: GraphQLClient, headers: dict[str, str], name: str) -> dict[str, Any]:
    return await mutate(gql, UPDATE_ME, {"publicName": name}, headers)


async def public_name(gql: GraphQLClient, person: Document, headers: dict[str, str]) -> str:
    """The name others see (asked by someone else)."""
    data = await run(gql, PERSON, {"id": person_gid(person)}, headers)
    return str(data["node"]["publicName"])


async def stored_person(db: Database, person_id: ObjectId) -> Document:
    person = await PEOPLE.of(db).find_one({"_id": person_id})
    assert person is not None
    return person


async def held_name(
    gql: GraphQLClient, db: Database, name: str = PHONE_NAME
) -> tuple[Document, dict[str, str]]:
    """A citizen whose new name screening held."""
    person, headers = await citizen(db, "+8613800138000")
    result = await rename(gql, headers, name)
    assert result["me"]["pendingPublicName"] == name, result
    return person, headers


class TestScreening:
    async def test_a_phone_number_as_a_name_is_held_and_the_old_name_stays_public(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        person, headers = await citizen(db, "+8613800138000")
        _, stranger = await citizen(db, "+8613900139000")

        result = await rename(gql, headers, PHONE_NAME)

        assert result["me"]["pendingPublicName"] == PHONE_NAME
        assert result["me"]["person"]["publicName"] == person["public_name"]
        moderation = result["me"]["publicNameModeration"]
        assert (moderation["status"], moderation["action"]) == ("OPEN", None)
        assert await public_name(gql, person, stranger) == person["public_name"]
        item = await MODERATION_ITEMS.of(db).find_one({})
        assert item is not None
        assert (item["kind"], item["ref_id"], item["author_id"], item["reasons"]) == (
            PROFILE_NAME,
            person["_id"],
            person["_id"],
            ["personal_data:mobile"],
        )
        stored = await stored_person(db, person["_id"])
        assert (stored["public_name"], stored["pending_public_name"], stored["pending_name_reasons"]) == (
            person["public_name"],
            PHONE_NAME,
            ["personal_data:mobile"],
        )

    async def test_a_lexicon_word_in_a_name_is_held(self, gql: GraphQLClient, db: Database) -> None:
        person, _ = await held_name(gql, db, ABUSIVE_NAME)

        item = await MODERATION_ITEMS.of(db).find_one({})

        assert item is not None and item["reasons"] == ["lexicon:abuse"]
        assert (await stored_person(db, person["_id"]))["public_name"] == person["public_name"]

    async def test_the_hold_event_rides_the_persons_write_and_reaches_the_outbox(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        person, _ = await held_name(gql, db)

        events = await OUTBOX.of(db).find({"kind": "moderation.hold"}).to_list()

        assert [(e["source"], e["payload"]["kind"]) for e in events] == [
            ({"collection": "people", "id": person["_id"]}, PROFILE_NAME)
        ]
        assert "_outbox" not in await stored_person(db, person["_id"])

    async def test_moderators_see_the_pending_name_as_the_items_text(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        person, _ = await held_name(gql, db)

        data = await run(gql, NAME_ITEM, {"id": name_item_gid(person)}, await moderator(db))

        assert data["node"] == {
            "kind": PROFILE_NAME,
            "status": "OPEN",
            "screeningReasons": ["personal_data:mobile"],
            "originalText": PHONE_NAME,
            "content": {"publicName": person["public_name"]},
        }

    async def test_a_clean_name_publishes_at_once_and_is_not_queued(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        person, headers = await citizen(db, "+8613800138000")
        _, stranger = await citizen(db, "+8613900139000")

        result = await rename(gql, headers, CLEAN_NAME)

        assert result["me"] == {
            "pendingPublicName": None,
            "person": {"publicName": CLEAN_NAME},
            "publicNameModeration": None,
        }
        assert await public_name(gql, person, stranger) == CLEAN_NAME
        assert await MODERATION_ITEMS.of(db).count_documents({}) == 0

    async def test_a_clean_name_replaces_a_pending_one(self, gql: GraphQLClient, db: Database) -> None:
        person, headers = await held_name(gql, db)

        result = await rename(gql, headers, CLEAN_NAME)

        assert (result["me"]["pendingPublicName"], result["me"]["person"]["publicName"]) == (None, CLEAN_NAME)
        assert "pending_public_name" not in await stored_person(db, person["_id"])

    async def test_staff_names_are_not_screened(self, gql: GraphQLClient, db: Database) -> None:
        _, headers = await staff(db, "li@moderation.example.cn", Role.MODERATOR)

        result = await rename(gql, headers, PHONE_NAME)

        assert (result["me"]["pendingPublicName"], result["me"]["person"]["publicName"]) == (None, PHONE_NAME)
        assert await MODERATION_ITEMS.of(db).count_documents({}) == 0

    async def test_a_name_too_long_is_refused_before_screening(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        _, headers = await citizen(db, "+8613800138000")

        result = await rename(gql, headers, "王" * 31)

        assert (result["__typename"], result["field"]) == ("InvalidInputError", "publicName")
        assert await MODERATION_ITEMS.of(db).count_documents({}) == 0


class TestDecisions:
    async def test_approving_publishes_the_name(self, gql: GraphQLClient, db: Database) -> None:
        person, headers = await held_name(gql, db)
        _, stranger = await citizen(db, "+8613900139000")

        await claim_and_decide(gql, await moderator(db), "APPROVE", None)

        me = (await run(gql, ME, {}, headers))["me"]
        assert (me["pendingPublicName"], me["person"]["publicName"]) == (None, PHONE_NAME)
        assert (me["publicNameModeration"]["status"], me["publicNameModeration"]["action"]) == (
            "DECIDED",
            "APPROVE",
        )
        assert await public_name(gql, person, stranger) == PHONE_NAME

    async def test_rejecting_keeps_the_old_name_and_tells_the_reason(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        person, headers = await held_name(gql, db)
        _, stranger = await citizen(db, "+8613900139000")

        await claim_and_decide(gql, await moderator(db), "REJECT", "personal_data")

        me = (await run(gql, ME, {}, headers))["me"]
        assert (me["pendingPublicName"], me["person"]["publicName"]) == (None, person["public_name"])
        assert me["publicNameModeration"] | {"itemId": None, "decidedAt": None} == {
            "itemId": None,
            "status": "DECIDED",
            "action": "REJECT",
            "reasonCode": "personal_data",
            "reasonLabel": "Contains personal data",
            "decidedAt": None,
            "appealable": True,
            "appeal": None,
        }
        assert await public_name(gql, person, stranger) == person["public_name"]
        told = await OUTBOX.of(db).find_one({"kind": "moderation.decision"})
        assert told is not None
        assert (told["payload"]["person_id"], told["payload"]["content_kind"], told["payload"]["action"]) == (
            person["_id"],
            PROFILE_NAME,
            "REJECT",
        )

    async def test_an_overturned_rejection_publishes_the_name(self, gql: GraphQLClient, db: Database) -> None:
        person, headers = await held_name(gql, db)
        await claim_and_decide(gql, await moderator(db, "zhang"), "REJECT", "personal_data")
        item_id = name_item_gid(person)
        await mutate(gql, APPEAL, {"itemId": item_id, "text": "这是我的店名，不是电话。"}, headers)

        result = await mutate(
            gql, DECIDE_APPEAL, {"itemId": item_id, "uphold": False}, await moderator(db, "li")
        )

        assert result["__typename"] == "ModerationAppealDecided", result
        assert (await stored_person(db, person["_id"]))["public_name"] == PHONE_NAME

    async def test_a_redaction_replaces_the_spans_and_an_overturned_appeal_restores_the_name(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        person, headers = await held_name(gql, db)
        start = PHONE_NAME.index("138")
        redacted = await claim_and_decide(
            gql,
            await moderator(db, "zhang"),
            "REDACT",
            "personal_data",
            redactions=[{"start": start, "end": start + 11}],
        )
        shown = (await stored_person(db, person["_id"]))["public_name"]
        await mutate(gql, APPEAL, {"itemId": redacted["id"], "text": "请恢复我的名字。"}, headers)

        await mutate(
            gql, DECIDE_APPEAL, {"itemId": redacted["id"], "uphold": False}, await moderator(db, "li")
        )

        assert shown == "老王" + REDACTION_MARK
        assert redacted["originalText"] == PHONE_NAME
        restored = await stored_person(db, person["_id"])
        assert (restored["public_name"], "name_redaction" in restored) == (PHONE_NAME, False)

    async def test_a_name_cannot_be_merged(self, gql: GraphQLClient, db: Database) -> None:
        person, _ = await held_name(gql, db)
        other, _ = await citizen(db, "+8613900139000")
        headers = await moderator(db)
        item = await claim_next(gql, headers)
        assert item is not None

        result = await decide(
            gql, headers, item["id"], "MERGE_DUPLICATE", "duplicate", mergeIntoContentId=person_gid(other)
        )

        assert (result["__typename"], result["field"]) == ("InvalidInputError", "mergeInto")
        assert (await stored_person(db, person["_id"]))["pending_public_name"] == PHONE_NAME

    async def test_choosing_another_name_takes_the_item_from_its_moderator(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        person, headers = await held_name(gql, db)
        zhang = await moderator(db)
        item = await claim_next(gql, zhang)
        assert item is not None
        await rename(gql, headers, ABUSIVE_NAME)  # while the moderator looks at the first one

        result = await decide(gql, zhang, item["id"], "APPROVE", None)

        assert (result["__typename"], result["code"]) == ("NotHoldingError", "NOT_HOLDING")
        stored = await stored_person(db, person["_id"])
        assert (stored["public_name"], stored["pending_public_name"]) == (person["public_name"], ABUSIVE_NAME)

    async def test_rejecting_after_the_person_chose_a_clean_name_leaves_it(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        person, headers = await held_name(gql, db)
        await rename(gql, headers, CLEAN_NAME)

        item = await claim_and_decide(gql, await moderator(db), "REJECT", "personal_data")

        assert item["originalText"] == CLEAN_NAME
        assert (await stored_person(db, person["_id"]))["public_name"] == CLEAN_NAME


class TestReports:
    async def reported(
        self, gql: GraphQLClient, db: Database, person: Document, times: int
    ) -> list[dict[str, Any]]:
        results = []
        for n in range(times):
            _, reporter = await citizen(db, f"+86139001380{n:02d}")
            input = {"contentId": person_gid(person), "reasonCode": "abuse"}
            results.append(await mutate(gql, REPORT, input, reporter))
        return results

    async def test_three_reports_hide_a_name_behind_a_pseudonym_pending_review(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        person, headers = await citizen(db, "+8613800138000")
        await rename(gql, headers, CLEAN_NAME)

        results = await self.reported(gql, db, person, 3)

        shown = [result["content"]["publicName"] for result in results]
        assert shown[:2] == [CLEAN_NAME, CLEAN_NAME]
        assert shown[2] != CLEAN_NAME and shown[2].startswith("市民")
        stored = await stored_person(db, person["_id"])
        assert (stored["withheld_name"]["name"], stored["withheld_name"]["pending_review"]) == (
            CLEAN_NAME,
            True,
        )
        item = await MODERATION_ITEMS.of(db).find_one({})
        assert item is not None and (item["reasons"], item["report_count"]) == (["reported"], 3)

    async def test_approving_a_hidden_name_restores_it(self, gql: GraphQLClient, db: Database) -> None:
        person, headers = await citizen(db, "+8613800138000")
        await rename(gql, headers, CLEAN_NAME)
        await self.reported(gql, db, person, 3)

        item = await claim_and_decide(gql, await moderator(db), "APPROVE", None)

        assert item["originalText"] == CLEAN_NAME
        stored = await stored_person(db, person["_id"])
        assert (stored["public_name"], "withheld_name" in stored) == (CLEAN_NAME, False)

    async def test_hiding_after_reports_keeps_the_pseudonym(self, gql: GraphQLClient, db: Database) -> None:
        person, headers = await citizen(db, "+8613800138000")
        await rename(gql, headers, CLEAN_NAME)
        pseudonym = (await self.reported(gql, db, person, 3))[-1]["content"]["publicName"]

        await claim_and_decide(gql, await moderator(db), "HIDE", "abuse")

        stored = await stored_person(db, person["_id"])
        assert stored["public_name"] == pseudonym
        assert (stored["withheld_name"]["reason_code"], stored["withheld_name"]["pending_review"]) == (
            "abuse",
            False,
        )

    async def test_choosing_a_hidden_name_again_is_held(self, gql: GraphQLClient, db: Database) -> None:
        person, headers = await citizen(db, "+8613800138000")
        await rename(gql, headers, CLEAN_NAME)
        await self.reported(gql, db, person, 3)
        await claim_and_decide(gql, await moderator(db), "HIDE", "abuse")

        result = await rename(gql, headers, CLEAN_NAME)

        assert result["me"]["pendingPublicName"] == CLEAN_NAME
        assert result["me"]["person"]["publicName"].startswith("市民")
        item = await MODERATION_ITEMS.of(db).find_one({})
        assert item is not None and (item["status"], item["reasons"]) == ("OPEN", [RESUBMITTED])

    async def test_ones_own_name_cannot_be_reported(self, gql: GraphQLClient, db: Database) -> None:
        person, headers = await citizen(db, "+8613800138000")

        result = await mutate(gql, REPORT, {"contentId": person_gid(person), "reasonCode": "abuse"}, headers)

        assert result["__typename"] == "ForbiddenError"
        assert await MODERATION_ITEMS.of(db).count_documents({}) == 0


class TestNameScreening:
    def test_findings_hold_a_name(self) -> None:
        screening = name_screening("某某", ["lexicon:abuse"], None)

        assert (screening.status, screening.reasons) == ("PENDING", ["lexicon:abuse"])

    def test_a_clean_name_is_published(self) -> None:
        assert name_screening("某某", [], {"name": "别的名字"}).status == "PUBLISHED"

    def test_a_withheld_name_chosen_again_is_held(self) -> None:
        screening = name_screening("某某", [], {"name": "某某"})

        assert (screening.status, screening.reasons) == ("PENDING", [RESUBMITTED])
