"""Reading campaigns: a consultation's campaigns, a campaign's comments; similar comments while writing."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from bson import ObjectId

from models.common.actors import Actor
from models.common.db import Database, Document
from models.common.errors import InvalidInput, NotFound
from models.common.pagination import Page, PageArgs, PageBounds, SortOrder, paginate
from models.common.repository import find_by_keys
from models.consultations.campaigns import campaign_range
from models.consultations.comments import clean_text
from models.consultations.documents import (
    CAMPAIGNS,
    COMMENTS,
    PUBLIC,
    CampaignDocument,
    CommentDocument,
    CommentStatus,
)
from models.moderation import similarity

MIN_SIZE = 2  # a campaign is listed once two of its comments count
MAX_SIMILAR = 20

# Oldest first, by `_id` (the id of the comment that started each campaign): unique, so cursors hold
# as sizes change; "largest first" would page on a changing, non-unique number.
BY_START = SortOrder("_id")
BY_MEMBER = SortOrder("campaign_page_key")


async def get_campaign(db: Database, campaign_id: ObjectId) -> CampaignDocument:
    campaign = await CAMPAIGNS.of(db).find_one({"_id": campaign_id})
    if campaign is None:
        raise NotFound("no campaign has this id", field="campaignId")
    return campaign


async def find_campaigns(db: Database, ids: Sequence[ObjectId]) -> dict[Hashable, CampaignDocument]:
    return await find_by_keys(CAMPAIGNS.of(db), "_id", ids)


async def campaigns_of(
    db: Database, consultation_id: ObjectId, args: PageArgs, bounds: PageBounds
) -> Page[CampaignDocument]:
    """A consultation's campaigns with at least MIN_SIZE published comments, oldest first."""
    query = {"consultation_id": consultation_id, "size": {"$gte": MIN_SIZE}}
    return await paginate(CAMPAIGNS.of(db), query, BY_START, args, bounds)


async def campaign_comments(
    db: Database, viewer: Actor, campaign_id: ObjectId, args: PageArgs, bounds: PageBounds
) -> Page[CommentDocument]:
    """A campaign's comments in the order they came, as the consultation's list shows them:
    published ones and tombstones, plus the viewer's own not (yet) published."""
    audience = [PUBLIC] if viewer.person_id is None else [PUBLIC, str(viewer.person_id)]
    query: Document = {"campaign_page_key": campaign_range(campaign_id), "visible_to": {"$in": audience}}
    return await paginate(COMMENTS.of(db), query, BY_MEMBER, args, bounds)


async def similar_comments(
    db: Database, consultation_id: ObjectId, text: str, first: int = 5
) -> list[CommentDocument]:
    """Published comments of the consultation that are near-duplicates of `text`, most similar first.

    For "similar comments already exist" while someone writes: one indexed lookup, then the few
    matches read whole by `_id`.
    """
    if not 1 <= first <= MAX_SIMILAR:
        raise InvalidInput(f"first is 1–{MAX_SIMILAR}", field="first")
    matches = await similarity.similar(
        COMMENTS.of(db),
        clean_text(text),
        scope={"consultation_id": consultation_id, "status": CommentStatus.PUBLISHED.value},
        limit=first,
    )
    if not matches:
        return []
    ids = [match.document["_id"] for match in matches]
    found = {doc["_id"]: doc async for doc in COMMENTS.of(db).find({"_id": {"$in": ids}})}
    # Published when matched; a comment deleted or hidden since is left out.
    return [found[i] for i in ids if i in found and found[i]["status"] == CommentStatus.PUBLISHED]
