"""Test helpers for the moderation API: GraphQL documents, staff with tokens, held comments."""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from strawberry.relay import from_base64, to_base64

from models.common.actors import Role
from models.common.db import Database, Document
from models.consultations.comment_moderation import CONSULTATION_COMMENT
from models.moderation.content_kinds import item_id_of
from models.moderation.documents import MODERATION_ITEMS
from tests.consultations.comment_support import citizen, mutate, run, staff, submit
from tests.consultations.drafts import make_city, make_open
from tests.support.graphql_client import GraphQLClient

RESULT = "__typename ... on UserError { code message field }"
PHONE_TEXT = "充电桩的事可以打我电话13812345678。"  # screening holds it: a mobile number

ITEM_FIELDS = """
    id kind status audience priority screeningReasons claims reportCount leaseUntil originalText
    leaseOwner { publicName }
    decision {
      action reasonCode reasonLabel note at moderator { publicName }
      redactions { start end } mergedInto { ... on Comment { id } }
    }
    escalation { action reasonCode note moderator { publicName } }
    appeal { text decision { upheld note moderator { publicName } } }
    content { __typename ... on Comment { id text status } }
"""
QUEUE = f"""
query ($status: ModerationItemStatus, $first: Int, $after: String) {{
  moderationQueue(status: $status, first: $first, after: $after) {{
    edges {{ node {{ {ITEM_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""
QUEUE_IDS = "{ moderationQueue { edges { node { id } } } }"
ITEM_NODE = f"query ($id: ID!) {{ node(id: $id) {{ __typename ... on ModerationItem {{ {ITEM_FIELDS} }} }} }}"
CLAIM_NEXT = f"""
mutation {{
  claimNextModerationItem {{ {RESULT} ... on ModerationItemClaimed {{ item {{ {ITEM_FIELDS} }} }} }}
}}
"""
CLAIM = f"""
mutation ($input: ClaimModerationItemInput!) {{
  claimModerationItem(input: $input) {{ {RESULT} ... on ModerationItemClaimedById {{ item {{ id }} }} }}
}}
"""
RENEW = f"""
mutation ($input: RenewModerationClaimInput!) {{
  renewModerationClaim(input: $input) {{
    {RESULT} ... on ModerationClaimRenewed {{ item {{ id leaseUntil leaseOwner {{ publicName }} }} }}
  }}
}}
"""
RELEASE = f"""
mutation ($input: ReleaseModerationClaimInput!) {{
  releaseModerationClaim(input: $input) {{ {RESULT} ... on ModerationClaimReleased {{ itemId }} }}
}}
"""
DECIDE = f"""
mutation ($input: DecideModerationItemInput!) {{
  decideModerationItem(input: $input) {{
    {RESULT} ... on ModerationItemDecided {{ item {{ {ITEM_FIELDS} }} }}
  }}
}}
"""
CONTENT_MODERATION = """
    itemId status action reasonCode reasonLabel decidedAt appealable appeal { text upheld }
"""
APPEAL = f"""
mutation ($input: AppealModerationDecisionInput!) {{
  appealModerationDecision(input: $input) {{
    {RESULT} ... on ModerationDecisionAppealed {{ moderation {{ {CONTENT_MODERATION} }} }}
  }}
}}
"""
DECIDE_APPEAL = f"""
mutation ($input: DecideModerationAppealInput!) {{
  decideModerationAppeal(input: $input) {{
    {RESULT} ... on ModerationAppealDecided {{ item {{ {ITEM_FIELDS} }} }}
  }}
}}
"""
REASONS = "{ moderationReasons { code label } }"
SET_REASON = f"""
mutation ($input: SetModerationReasonInput!) {{
  setModerationReason(input: $input) {{ {RESULT} ... on ModerationReasonSet {{ reasons {{ code label }} }} }}
}}
"""
COMMENT_FIELDS = f"id text status moderation {{ {CONTENT_MODERATION} }}"
MY_COMMENTS = f"{{ myComments {{ edges {{ node {{ {COMMENT_FIELDS} }} }} }} }}"
COMMENT_NODE = f"query ($id: ID!) {{ node(id: $id) {{ ... on Comment {{ {COMMENT_FIELDS} }} }} }}"
COMMENTS_PAGE = f"""
query ($id: ID!) {{ consultationComments(consultationId: $id) {{ edges {{ node {{ {COMMENT_FIELDS} }} }} }} }}
"""


def item_gid(item_id: str) -> str:
    return to_base64("ModerationItem", item_id)


def comment_item_gid(comment_gid: str) -> str:
    """The global id of the queue item of a comment, from the comment's global id."""
    return item_gid(item_id_of(CONSULTATION_COMMENT, from_base64(comment_gid)[1]))


async def stored_item(db: Database, global_id: str) -> Document:
    item = await MODERATION_ITEMS.of(db).find_one({"_id": from_base64(global_id)[1]})
    assert item is not None
    return item


async def moderator(db: Database, name: str = "zhang") -> dict[str, str]:
    _, headers = await staff(db, f"{name}@moderation.example.cn", Role.MODERATOR)
    return headers


async def admin(db: Database, name: str = "root") -> dict[str, str]:
    _, headers = await staff(db, f"{name}@admin.example.cn", Role.ADMIN)
    return headers


async def open_consultation(db: Database) -> Document:
    city = await make_city(db)
    return await make_open(db, city["housing"])


async def held_comment(
    gql: GraphQLClient, consultation: Document, headers: dict[str, str], text: str = PHONE_TEXT
) -> dict[str, Any]:
    """A comment screening holds (PENDING, queued), submitted through the API."""
    comment = await submit(gql, consultation, headers, text=text)
    assert comment["status"] == "PENDING", comment
    return comment


async def author_with_held_comment(
    gql: GraphQLClient, db: Database, phone: str = "+8613800138000"
) -> tuple[Document, dict[str, str], dict[str, Any]]:
    consultation = await open_consultation(db)
    person, headers = await citizen(db, phone)
    return person, headers, await held_comment(gql, consultation, headers)


async def claim_next(gql: GraphQLClient, headers: dict[str, str]) -> dict[str, Any] | None:
    data = await run(gql, CLAIM_NEXT, {}, headers)
    result = data["claimNextModerationItem"]
    assert result["__typename"] == "ModerationItemClaimed", result
    item: dict[str, Any] | None = result["item"]
    return item


async def decide(
    gql: GraphQLClient,
    headers: dict[str, str],
    item_id: str,
    action: str,
    reason_code: str | None,
    **more: Any,
) -> dict[str, Any]:
    return await mutate(
        gql, DECIDE, {"itemId": item_id, "action": action, "reasonCode": reason_code, **more}, headers
    )


async def claim_and_decide(
    gql: GraphQLClient, headers: dict[str, str], action: str, reason_code: str | None, **more: Any
) -> dict[str, Any]:
    """The moderator claims the next item and decides it; the decided item."""
    item = await claim_next(gql, headers)
    assert item is not None
    result = await decide(gql, headers, item["id"], action, reason_code, **more)
    assert result["__typename"] == "ModerationItemDecided", result
    decided: dict[str, Any] = result["item"]
    return decided


def object_id(global_id: str) -> ObjectId:
    return ObjectId(from_base64(global_id)[1])
