"""reportContent and bulkApproveModerationItems through the API."""

from __future__ import annotations

from models.common.db import Database
from models.moderation.documents import MODERATION_ITEMS
from tests.consultations.comment_support import citizen, mutate, stored_comment, submit
from tests.moderation.api_support import (
    RESULT,
    comment_item_gid,
    held_comment,
    item_gid,
    moderator,
    open_consultation,
)
from tests.support.graphql_client import GraphQLClient

REPORT = f"""
mutation ($input: ReportContentInput!) {{
  reportContent(input: $input) {{
    {RESULT} ... on ContentReported {{ content {{ ... on Comment {{ id status text }} }} }}
  }}
}}
"""
BULK_APPROVE = f"""
mutation ($input: BulkApproveModerationItemsInput!) {{
  bulkApproveModerationItems(input: $input) {{
    {RESULT} ... on ModerationItemsApproved {{ approved skipped {{ itemId reason }} }}
  }}
}}
"""
CLEAN = "反对，楼下停车已经很挤了。"


async def reporters(db: Database, count: int) -> list[dict[str, str]]:
    return [(await citizen(db, f"+86139001380{n:02d}"))[1] for n in range(count)]


class TestReportContent:
    async def test_a_report_queues_the_comment_and_it_stays_visible(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        consultation = await open_consultation(db)
        _, author = await citizen(db)
        comment = await submit(gql, consultation, author, text=CLEAN)
        (reporter,) = await reporters(db, 1)

        result = await mutate(gql, REPORT, {"contentId": comment["id"], "reasonCode": "abuse"}, reporter)

        assert result["content"] == {"id": comment["id"], "status": "PUBLISHED", "text": CLEAN}
        item = await MODERATION_ITEMS.of(db).find_one({})
        assert item is not None and (item["reasons"], item["report_count"]) == (["reported"], 1)

    async def test_the_third_reporter_hides_it_pending_review(self, gql: GraphQLClient, db: Database) -> None:
        consultation = await open_consultation(db)
        _, author = await citizen(db)
        comment = await submit(gql, consultation, author, text=CLEAN)

        results = [
            await mutate(gql, REPORT, {"contentId": comment["id"], "reasonCode": "abuse"}, headers)
            for headers in await reporters(db, 3)
        ]

        assert [r["content"]["status"] for r in results] == ["PUBLISHED", "PUBLISHED", "REJECTED"]
        assert results[-1]["content"]["text"] is None
        assert (await stored_comment(db, comment["id"]))["hidden"]["pending_review"] is True

    async def test_a_second_report_by_the_same_person_is_refused(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        consultation = await open_consultation(db)
        _, author = await citizen(db)
        comment = await submit(gql, consultation, author, text=CLEAN)
        (reporter,) = await reporters(db, 1)
        await mutate(gql, REPORT, {"contentId": comment["id"], "reasonCode": "abuse"}, reporter)

        again = await mutate(gql, REPORT, {"contentId": comment["id"], "reasonCode": "spam"}, reporter)

        assert (again["__typename"], again["code"]) == ("AlreadyReportedError", "ALREADY_REPORTED")
        item = await MODERATION_ITEMS.of(db).find_one({})
        assert item is not None and item["report_count"] == 1

    async def test_anonymous_and_own_reports_are_refused(self, gql: GraphQLClient, db: Database) -> None:
        consultation = await open_consultation(db)
        _, author = await citizen(db)
        comment = await submit(gql, consultation, author, text=CLEAN)

        own = await mutate(gql, REPORT, {"contentId": comment["id"], "reasonCode": "abuse"}, author)
        anonymous = await mutate(gql, REPORT, {"contentId": comment["id"], "reasonCode": "abuse"}, {})

        assert [own["code"], anonymous["code"]] == ["FORBIDDEN", "FORBIDDEN"]
        assert await MODERATION_ITEMS.of(db).count_documents({}) == 0

    async def test_an_id_that_is_not_content_is_refused(self, gql: GraphQLClient, db: Database) -> None:
        (reporter,) = await reporters(db, 1)

        result = await mutate(
            gql, REPORT, {"contentId": item_gid("consultation_comment:x"), "reasonCode": "abuse"}, reporter
        )

        assert (result["code"], result["field"]) == ("INVALID_INPUT", "contentId")
        assert await MODERATION_ITEMS.of(db).count_documents({}) == 0


class TestBulkApprove:
    async def test_a_moderator_approves_many_at_once(self, gql: GraphQLClient, db: Database) -> None:
        consultation = await open_consultation(db)
        _, author = await citizen(db)
        comments = [
            await held_comment(gql, consultation, author, text=f"第{n}个问题，电话13812345678。")
            for n in range(3)
        ]
        items = [comment_item_gid(comment["id"]) for comment in comments]
        headers = await moderator(db)

        result = await mutate(gql, BULK_APPROVE, {"itemIds": items}, headers)

        assert (result["approved"], result["skipped"]) == (items, [])
        assert [(await stored_comment(db, c["id"]))["status"] for c in comments] == ["PUBLISHED"] * 3

    async def test_citizens_cannot_bulk_approve(self, gql: GraphQLClient, db: Database) -> None:
        consultation = await open_consultation(db)
        _, author = await citizen(db)
        comment = await held_comment(gql, consultation, author)

        result = await mutate(gql, BULK_APPROVE, {"itemIds": [comment_item_gid(comment["id"])]}, author)

        assert result["code"] == "FORBIDDEN"
        assert (await stored_comment(db, comment["id"]))["status"] == "PENDING"
