"""Reason codes through the API: everyone reads them, admins change them."""

from __future__ import annotations

from models.common.db import Database
from models.moderation.documents import MODERATION_REASONS
from tests.consultations.comment_support import citizen, mutate, run
from tests.moderation.api_support import (
    REASONS,
    SET_REASON,
    admin,
    author_with_held_comment,
    claim_and_decide,
    moderator,
)
from tests.support.graphql_client import GraphQLClient


class TestReasons:
    async def test_anyone_reads_the_reason_codes_with_labels(self, gql: GraphQLClient, db: Database) -> None:
        data = await run(gql, REASONS, {}, {})

        reasons = {reason["code"]: reason["label"] for reason in data["moderationReasons"]}
        assert reasons["personal_data"] == "Contains personal data"
        assert list(reasons) == sorted(reasons)

    async def test_an_admin_adds_a_code_moderators_can_then_use(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        result = await mutate(
            gql, SET_REASON, {"code": "misinformation", "label": "Misleading"}, await admin(db)
        )
        await author_with_held_comment(gql, db)

        decided = await claim_and_decide(gql, await moderator(db), "REJECT", "misinformation")

        assert result["__typename"] == "ModerationReasonSet"
        assert {"code": "misinformation", "label": "Misleading"} in result["reasons"]
        assert (decided["decision"]["reasonCode"], decided["decision"]["reasonLabel"]) == (
            "misinformation",
            "Misleading",
        )

    async def test_a_retired_code_leaves_the_list_but_keeps_its_label_on_past_decisions(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        _, author, _ = await author_with_held_comment(gql, db)
        await claim_and_decide(gql, await moderator(db), "REJECT", "off_topic")

        await mutate(
            gql, SET_REASON, {"code": "off_topic", "label": "Off topic", "active": False}, await admin(db)
        )

        codes = [reason["code"] for reason in (await run(gql, REASONS, {}, {}))["moderationReasons"]]
        mine = await run(gql, "{ myComments { edges { node { moderation { reasonLabel } } } } }", {}, author)
        assert "off_topic" not in codes
        assert mine["myComments"]["edges"][0]["node"]["moderation"] == {"reasonLabel": "Off topic"}

    async def test_moderators_and_citizens_cannot_change_codes(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        _, citizen_headers = await citizen(db)

        for headers in (await moderator(db), citizen_headers):
            result = await mutate(gql, SET_REASON, {"code": "misinformation", "label": "Misleading"}, headers)

            assert (result["__typename"], result["code"]) == ("ForbiddenError", "FORBIDDEN")
        assert await MODERATION_REASONS.of(db).count_documents({}) == 0

    async def test_a_malformed_code_is_invalid_input(self, gql: GraphQLClient, db: Database) -> None:
        result = await mutate(gql, SET_REASON, {"code": "Bad Code!", "label": "x"}, await admin(db))

        assert (result["__typename"], result["field"]) == ("InvalidInputError", "code")
