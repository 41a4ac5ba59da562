"""Campaigns: near-identical comments of one consultation, grouped as they are stored, answered once.

Nothing is deleted — every person's comment counts — but a comment whose text is a confirmed
near-duplicate (models/moderation/similarity.py) of others in the same consultation joins their
campaign. The work per comment is bounded: one indexed query reading at most CANDIDATES comments,
then at most that many updates by `_id`.

Race safety without transactions:
- a campaign's `_id` is the id of its earliest comment among those that start it (the new comment
  and its near-duplicates not yet in a campaign), so two near-identical comments stored at once,
  each seeing the other, start the same campaign (the second insert is a duplicate key);
- a comment joins by an update filtered on `campaign_id: None`, so it joins one campaign once and
  only the update that moved it counts it;
- each comment is stored before it looks, so of two near-duplicates stored at once at least one
  sees the other.
Two campaigns of one text can still both live when three or more comments race, or when
similarity is not transitive (A ~ B, B ~ C, A !~ C); a comment near both joins the older one, and
nothing merges them yet (bench/campaigns.py: 3 of 1,000 variants in a second campaign).

`size` counts the published members, the comments that count: it follows every change of status
through `count_published` (which calls `count_member`). Held, rejected and deleted members stay
members but are not counted; their text is never the campaign's sample.
An edited comment keeps its campaign (edits are allowed only in the first 15 minutes).
"""

from __future__ import annotations

import datetime as dt

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from models.common.clock import Clock, utcnow
from models.common.db import Database
from models.consultations.documents import (
    CAMPAIGNS,
    COMMENTS,
    CampaignDocument,
    CommentDocument,
    CommentStatus,
)
from models.moderation import similarity

CANDIDATES = similarity.CANDIDATE_LIMIT


def campaign_page_key(campaign_id: object, comment_id: object) -> str:
    """A member's paging key, unique: "<campaign hex>:<comment hex>", in the order comments came."""
    return f"{campaign_id}:{comment_id}"


def campaign_range(campaign_id: ObjectId) -> dict[str, str]:
    """The paging keys of one campaign's members ("<id>:" < key < "<id>;")."""
    return {"$gt": f"{campaign_id}:", "$lt": f"{campaign_id};"}


async def join_campaign(db: Database, comment: CommentDocument, *, now: Clock = utcnow) -> ObjectId | None:
    """Group a stored comment with its near-duplicates in the same consultation; returns its campaign.

    Joins the oldest campaign among its near-duplicates', or starts one with those not yet in any.
    """
    if comment.get("campaign_id") is not None:
        return comment["campaign_id"]
    text = comment.get("text")
    if not text:
        return None
    matches = await similarity.similar(
        COMMENTS.of(db),
        text,
        scope={"consultation_id": comment["consultation_id"]},
        exclude_id=comment["_id"],
        limit=CANDIDATES,
        fields=("campaign_id",),
    )
    if not matches:
        return None
    joined = sorted({m.document["campaign_id"] for m in matches if m.document.get("campaign_id")})
    loose = [comment["_id"], *(m.document["_id"] for m in matches if not m.document.get("campaign_id"))]
    campaign_id = joined[0] if joined else min(loose)
    campaign = await _campaign(db, campaign_id, comment["consultation_id"], now())
    for member_id in sorted(loose):  # oldest first: the sample is the earliest published text
        await _attach(db, campaign, member_id)
    return campaign_id


async def _campaign(
    db: Database, campaign_id: ObjectId, consultation_id: ObjectId, at: dt.datetime
) -> CampaignDocument:
    """The campaign, started now unless it exists (a lost race to start it is a duplicate key)."""
    campaigns = CAMPAIGNS.of(db)
    found = await campaigns.find_one({"_id": campaign_id})
    if found is not None:
        return found
    campaign = CAMPAIGNS.new_document(
        {
            "_id": campaign_id,
            "consultation_id": consultation_id,
            "size": 0,
            "sample_comment_id": None,
            "sample_text": None,
            "theme_id": None,
            "created_at": at,
        }
    )
    try:
        await campaigns.insert_one(campaign)
    except DuplicateKeyError:
        return await campaigns.find_one({"_id": campaign_id}) or campaign
    return campaign


async def _attach(db: Database, campaign: CampaignDocument, comment_id: ObjectId) -> None:
    """Make the comment a member, unless it already is one somewhere; count it if published."""
    campaign_id = campaign["_id"]
    before = await COMMENTS.of(db).find_one_and_update(
        {"_id": comment_id, "campaign_id": None},
        {
            "$set": {
                "campaign_id": campaign_id,
                "campaign_page_key": campaign_page_key(campaign_id, comment_id),
            }
        },
        projection={"status": 1, "text": 1},
        return_document=ReturnDocument.BEFORE,
    )
    if before is None or before["status"] != CommentStatus.PUBLISHED:
        return
    if campaign.get("theme_id") is not None:
        # Answered through its campaign's theme, unless an official put it in a theme already.
        await COMMENTS.of(db).update_one(
            {"_id": comment_id, "theme_id": None}, {"$set": {"theme_id": campaign["theme_id"]}}
        )
    await _count(db, campaign_id, comment_id, before.get("text"), +1)


async def count_member(db: Database, comment: CommentDocument, delta: int) -> None:
    """A member was published (`delta` +1) or stopped being so (-1): its campaign's size follows."""
    campaign_id = comment.get("campaign_id")
    if campaign_id is not None:
        await _count(db, campaign_id, comment["_id"], comment.get("text"), delta)


async def _count(
    db: Database, campaign_id: ObjectId, comment_id: ObjectId, text: str | None, delta: int
) -> None:
    campaigns = CAMPAIGNS.of(db)
    campaign = await campaigns.find_one_and_update(
        {"_id": campaign_id},
        {"$inc": {"size": delta}},
        projection={"sample_comment_id": 1},
        return_document=ReturnDocument.AFTER,
    )
    if campaign is None:
        return
    sample = campaign.get("sample_comment_id")
    if delta > 0 and sample is None and text:
        await campaigns.update_one(
            {"_id": campaign_id, "sample_comment_id": None},
            {"$set": {"sample_comment_id": comment_id, "sample_text": text}},
        )
    elif delta < 0 and sample == comment_id:
        await _resample(db, campaign_id, comment_id)


async def _resample(db: Database, campaign_id: ObjectId, leaving_id: ObjectId) -> None:
    """The sample's comment stopped counting: another published member's text, or none."""
    other = await COMMENTS.of(db).find_one(
        {
            "campaign_page_key": campaign_range(campaign_id),
            "status": CommentStatus.PUBLISHED.value,
            "_id": {"$ne": leaving_id},
        },
        {"text": 1},
        sort=[("campaign_page_key", 1)],
    )
    await CAMPAIGNS.of(db).update_one(
        {"_id": campaign_id, "sample_comment_id": leaving_id},
        {
            "$set": {
                "sample_comment_id": other["_id"] if other else None,
                "sample_text": other["text"] if other else None,
            }
        },
    )


async def refresh_sample(db: Database, comment: CommentDocument) -> None:
    """An edited published member that is its campaign's sample: the sample shows the new text."""
    campaign_id = comment.get("campaign_id")
    if campaign_id is None or comment.get("status") != CommentStatus.PUBLISHED or not comment.get("text"):
        return
    await CAMPAIGNS.of(db).update_one(
        {"_id": campaign_id, "sample_comment_id": comment["_id"]}, {"$set": {"sample_text": comment["text"]}}
    )
