"""Campaigns of near-identical comments through the API: grouping as comments come, sizes that count
published comments, "similar comments already exist" while writing, and answering a campaign once."""

from __future__ import annotations

import asyncio
from typing import Any

from bson import ObjectId

from models.common.actors import Actor, Role
from models.common.db import Database, Document
from models.consultations import comments
from models.consultations.documents import CAMPAIGNS, COMMENTS, Stance
from tests.consultations.comment_support import (
    DELETE,
    RESULT,
    citizen,
    gid,
    mutate,
    run,
    staff,
    stored_comment,
    submit,
)
from tests.consultations.drafts import make_city, make_open
from tests.support.graphql_client import GraphQLClient, client_for, running_app, settings_for_tests

# A circulated text and variants of it as different people send it; and texts of their own.
CIRCULATED = (
    "我们坚决反对在滨江公园内建设高层住宅项目，滨江公园是周边几个小区居民唯一的休闲绿地，"
    "恳请市政府重新评估这一规划方案。"
)
VARIANTS = [
    "本人是东湖区居民，我们坚决反对在滨江公园内建设高层住宅项目，滨江公园是周边几个小区居民唯一的休闲绿地，"
    "恳请市政府重新评估这一规划方案！",
    "我们强烈反对在滨江公园内建设高层住宅项目。滨江公园是附近几个小区居民唯一的休闲绿地，"
    "恳请市政府重新评估这一规划方案。谢谢！",
    "我们坚决反对在滨江公园内建设高层住宅项目 滨江公园是周边几个小区居民唯一的休闲绿地 "
    "请求市政府重新评估这一规划方案",
]
UNRELATED = "建议在小区东门增设充电桩，并在楼道张贴消防安全提示。"
PARK_OWN_WORDS = "滨江公园那块地如果盖楼，周末带孩子就没地方去了，能不能换个地方建？"

CAMPAIGN_FIELDS = "id size sampleText theme { title } comments(first: 10) { edges { node { text } } }"
CAMPAIGNS_PAGE = f"""
query ($id: ID!) {{ consultation(id: $id) {{ campaigns(first: 10) {{
  edges {{ node {{ {CAMPAIGN_FIELDS} }} }} pageInfo {{ hasNextPage }}
}} }} }}
"""
COMMENT_CAMPAIGN = """
query ($id: ID!) { node(id: $id) { ... on Comment { campaign { id size } } } }
"""
SIMILAR = """
query ($id: ID!, $text: String!, $first: Int) {
  similarComments(consultationId: $id, text: $text, first: $first) { id text }
}
"""
CREATE_THEME = f"""
mutation ($input: CreateThemeInput!) {{
  createTheme(input: $input) {{ {RESULT} ... on ThemeCreated {{ theme {{ id title }} }} }}
}}
"""
ASSIGN_CAMPAIGN = f"""
mutation ($input: AssignCampaignToThemeInput!) {{
  assignCampaignToTheme(input: $input) {{
    {RESULT} ... on CampaignAssignedToTheme {{ assigned campaign {{ id size theme {{ title }} }} }}
  }}
}}
"""


async def open_consultation(db: Database) -> tuple[Document, dict[str, Document]]:
    city = await make_city(db)
    return await make_open(db, city["housing"]), city


async def submit_texts(
    gql: GraphQLClient, db: Database, consultation: Document, texts: list[str], first_phone: int = 0
) -> list[dict[str, Any]]:
    """Each text submitted by a different citizen, in order."""
    submitted = []
    for n, text in enumerate(texts):
        _, headers = await citizen(db, f"+86139000000{first_phone + n:02d}")
        submitted.append(await submit(gql, consultation, headers, stance="OPPOSE", text=text))
    return submitted


async def campaigns_page(gql: GraphQLClient, consultation: Document) -> list[dict[str, Any]]:
    data = await run(gql, CAMPAIGNS_PAGE, {"id": gid("Consultation", consultation)}, {})
    return [edge["node"] for edge in data["consultation"]["campaigns"]["edges"]]


async def test_near_identical_comments_from_different_citizens_join_one_campaign(
    gql: GraphQLClient, db: Database
) -> None:
    consultation, _ = await open_consultation(db)
    submitted = await submit_texts(gql, db, consultation, [CIRCULATED, UNRELATED, *VARIANTS])

    (campaign,) = await campaigns_page(gql, consultation)

    assert campaign["size"] == 4
    assert campaign["sampleText"] == CIRCULATED  # the first published member's
    assert [edge["node"]["text"] for edge in campaign["comments"]["edges"]] == [CIRCULATED, *VARIANTS]
    stored = [await stored_comment(db, comment["id"]) for comment in submitted]
    campaign_ids = {comment["campaign_id"] for comment in stored}
    assert campaign_ids == {stored[0]["_id"], None}  # named after the comment that started it
    assert stored[1]["campaign_id"] is None and "campaign_page_key" not in stored[1]


async def test_a_comment_shows_its_campaign(gql: GraphQLClient, db: Database) -> None:
    consultation, _ = await open_consultation(db)
    first, unrelated, second = await submit_texts(gql, db, consultation, [CIRCULATED, UNRELATED, VARIANTS[0]])

    joined = await run(gql, COMMENT_CAMPAIGN, {"id": second["id"]}, {})
    alone = await run(gql, COMMENT_CAMPAIGN, {"id": unrelated["id"]}, {})

    started_by = await stored_comment(db, first["id"])
    assert joined["node"]["campaign"] == {"id": gid("Campaign", started_by), "size": 2}
    assert alone["node"]["campaign"] is None


async def test_comments_in_their_own_words_form_no_campaign(gql: GraphQLClient, db: Database) -> None:
    consultation, _ = await open_consultation(db)
    await submit_texts(gql, db, consultation, [CIRCULATED, UNRELATED, PARK_OWN_WORDS])

    assert await campaigns_page(gql, consultation) == []
    assert await CAMPAIGNS.of(db).count_documents({}) == 0


async def test_a_deleted_comment_stops_counting_and_stops_being_the_sample(
    gql: GraphQLClient, db: Database
) -> None:
    consultation, _ = await open_consultation(db)
    _, first_headers = await citizen(db, "+8613911110001")
    first = await submit(gql, consultation, first_headers, text=CIRCULATED)
    await submit_texts(gql, db, consultation, VARIANTS[:2])

    deleted = await mutate(gql, DELETE, {"commentId": first["id"]}, first_headers)
    (campaign,) = await campaigns_page(gql, consultation)

    assert deleted["__typename"] == "CommentDeleted"
    assert campaign["size"] == 2
    assert campaign["sampleText"] == VARIANTS[0]
    # Still a member, shown as the consultation's list shows it: a tombstone without text.
    assert [edge["node"]["text"] for edge in campaign["comments"]["edges"]] == [None, *VARIANTS[:2]]
    assert (await stored_comment(db, first["id"]))["similarity_keys"] == []


async def test_held_comments_join_but_do_not_count_and_are_not_suggested(
    gql: GraphQLClient, db: Database
) -> None:
    city = await make_city(db)
    consultation = await make_open(db, city["housing"], premoderated=True)
    submitted = await submit_texts(gql, db, consultation, [CIRCULATED, VARIANTS[0]])

    stored = [await stored_comment(db, comment["id"]) for comment in submitted]
    campaign = await CAMPAIGNS.of(db).find_one({})
    similar = await run(gql, SIMILAR, {"id": gid("Consultation", consultation), "text": CIRCULATED}, {})

    assert [comment["status"] for comment in stored] == ["PENDING", "PENDING"]
    assert campaign is not None and campaign["size"] == 0 and campaign["sample_text"] is None
    assert {comment["campaign_id"] for comment in stored} == {campaign["_id"]}
    assert await campaigns_page(gql, consultation) == []
    assert similar["similarComments"] == []


async def test_a_campaign_is_listed_once_two_of_its_comments_count(gql: GraphQLClient, db: Database) -> None:
    consultation, _ = await open_consultation(db)
    _, headers = await citizen(db, "+8613911110002")
    first = await submit(gql, consultation, headers, text=CIRCULATED)
    await submit_texts(gql, db, consultation, VARIANTS[:1])

    await mutate(gql, DELETE, {"commentId": first["id"]}, headers)

    assert await campaigns_page(gql, consultation) == []


async def test_near_identical_comments_stored_at_once_start_one_campaign(db: Database) -> None:
    consultation, _ = await open_consultation(db)
    authors = [Actor(person_id=ObjectId(), role=Role.CITIZEN) for _ in range(4)]
    texts = [CIRCULATED, *VARIANTS]

    stored = await asyncio.gather(
        *(
            comments.submit_comment(
                db, author, comments.NewComment(consultation["_id"], None, Stance.OPPOSE, text)
            )
            for author, text in zip(authors, texts, strict=True)
        )
    )

    campaigns = await CAMPAIGNS.of(db).find({}).to_list()
    assert len(campaigns) == 1 and campaigns[0]["size"] == 4
    members = await COMMENTS.of(db).find({"campaign_id": campaigns[0]["_id"]}).to_list()
    assert sorted(member["_id"] for member in members) == sorted(comment["_id"] for comment in stored)


async def test_similar_comments_finds_a_near_duplicate_while_writing(
    gql: GraphQLClient, db: Database
) -> None:
    consultation, _ = await open_consultation(db)
    submitted = await submit_texts(gql, db, consultation, [CIRCULATED, UNRELATED])
    variables = {"id": gid("Consultation", consultation), "first": 5}

    similar = await run(gql, SIMILAR, {**variables, "text": VARIANTS[1]}, {})
    different = await run(gql, SIMILAR, {**variables, "text": PARK_OWN_WORDS}, {})

    assert similar["similarComments"] == [{"id": submitted[0]["id"], "text": CIRCULATED}]
    assert different["similarComments"] == []


async def test_similar_comments_is_rate_limited_by_its_own_rules(db: Database) -> None:
    consultation, _ = await open_consultation(db)
    variables = {"id": gid("Consultation", consultation), "text": CIRCULATED}
    settings = settings_for_tests(rate_limits="similarComments.address=2/60s")

    async with running_app(db, settings) as app, client_for(app) as client:
        codes = [(await client.execute(SIMILAR, variables)).error_codes() for _ in range(3)]

    assert codes == [[], [], ["RATE_LIMITED"]]


async def test_similar_comments_refuses_too_many(gql: GraphQLClient, db: Database) -> None:
    consultation, _ = await open_consultation(db)

    response = await gql.execute(
        SIMILAR, {"id": gid("Consultation", consultation), "text": CIRCULATED, "first": 500}
    )

    assert response.error_codes() == ["INVALID_INPUT"]


async def campaign_with_theme(
    gql: GraphQLClient, db: Database
) -> tuple[Document, list[dict[str, Any]], dict[str, Any], dict[str, str]]:
    """Housing's consultation with a three-comment campaign and an unrelated comment, and a theme."""
    consultation, _ = await open_consultation(db)
    submitted = await submit_texts(gql, db, consultation, [CIRCULATED, VARIANTS[0], UNRELATED, VARIANTS[1]])
    _, housing = await staff(db, "li@housing.example.cn", Role.OFFICIAL, "housing")
    created = await mutate(
        gql,
        CREATE_THEME,
        {"consultationId": gid("Consultation", consultation), "title": "保留滨江公园"},
        housing,
    )
    return consultation, submitted, created["theme"], housing


async def test_assign_campaign_to_theme_by_the_departments_official(gql: GraphQLClient, db: Database) -> None:
    consultation, submitted, theme, housing = await campaign_with_theme(gql, db)
    (campaign,) = await campaigns_page(gql, consultation)

    result = await mutate(
        gql, ASSIGN_CAMPAIGN, {"campaignId": campaign["id"], "themeId": theme["id"]}, housing
    )

    assert result["__typename"] == "CampaignAssignedToTheme", result
    assert result["assigned"] == 3
    assert result["campaign"]["theme"] == {"title": "保留滨江公园"}
    stored = [await stored_comment(db, comment["id"]) for comment in submitted]
    theme_id = ObjectId(stored[0]["theme_id"])
    assert [comment.get("theme_id") for comment in stored] == [theme_id, theme_id, None, theme_id]


async def test_a_comment_joining_later_is_in_the_campaigns_theme(gql: GraphQLClient, db: Database) -> None:
    consultation, _, theme, housing = await campaign_with_theme(gql, db)
    (campaign,) = await campaigns_page(gql, consultation)
    await mutate(gql, ASSIGN_CAMPAIGN, {"campaignId": campaign["id"], "themeId": theme["id"]}, housing)

    (late,) = await submit_texts(gql, db, consultation, [VARIANTS[2]], first_phone=50)

    stored = await stored_comment(db, late["id"])
    assert stored["theme_id"] is not None
    assert gid("Theme", stored["theme_id"]) == theme["id"]


async def test_assign_campaign_to_theme_by_another_departments_official_is_refused(
    gql: GraphQLClient, db: Database
) -> None:
    consultation, submitted, theme, _ = await campaign_with_theme(gql, db)
    (campaign,) = await campaigns_page(gql, consultation)
    _, transport = await staff(db, "wang@transport.example.cn", Role.OFFICIAL, "transport")

    result = await mutate(
        gql, ASSIGN_CAMPAIGN, {"campaignId": campaign["id"], "themeId": theme["id"]}, transport
    )

    assert result["__typename"] == "ForbiddenError", result
    stored = [await stored_comment(db, comment["id"]) for comment in submitted]
    assert [comment.get("theme_id") for comment in stored] == [None] * 4
    assert (await CAMPAIGNS.of(db).find_one({}) or {})["theme_id"] is None


async def test_assign_campaign_to_theme_by_a_citizen_is_refused(gql: GraphQLClient, db: Database) -> None:
    consultation, _, theme, _ = await campaign_with_theme(gql, db)
    (campaign,) = await campaigns_page(gql, consultation)
    _, headers = await citizen(db, "+8613911110099")

    result = await mutate(
        gql, ASSIGN_CAMPAIGN, {"campaignId": campaign["id"], "themeId": theme["id"]}, headers
    )

    assert result["__typename"] == "ForbiddenError", result


async def test_comments_store_their_band_keys_under_an_index(gql: GraphQLClient, db: Database) -> None:
    consultation, _ = await open_consultation(db)
    (comment,) = await submit_texts(gql, db, consultation, [CIRCULATED])

    stored = await stored_comment(db, comment["id"])
    indexes = [
        tuple(field for field, _ in info["key"])
        for info in (await COMMENTS.of(db).index_information()).values()
    ]

    assert len(stored["similarity_keys"]) == 32 and all(
        isinstance(key, str) for key in stored["similarity_keys"]
    )
    assert ("consultation_id", "similarity_keys") in indexes
    assert ("campaign_page_key",) in indexes
