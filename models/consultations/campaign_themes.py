"""Answering a campaign once: officials put all of its comments into a theme of the adoption report."""

from __future__ import annotations

from bson import ObjectId
from pymongo import ReturnDocument

from models.common.actors import Actor
from models.common.db import Database
from models.common.errors import InvalidInput, NotFound
from models.consultations import report
from models.consultations.campaigns import campaign_range
from models.consultations.documents import CAMPAIGNS, COMMENTS, CampaignDocument, CommentStatus
from models.consultations.repository.campaigns import get_campaign
from models.departments.policy import DepartmentScope


async def assign_campaign_to_theme(
    db: Database, actor: Actor, campaign_id: ObjectId, theme_id: ObjectId, scope: DepartmentScope
) -> tuple[CampaignDocument, int]:
    """Put every published comment of the campaign into the theme; returns the campaign and how many.

    The rules are the theme assignment's (`report.theme_for_grouping`: officials of the
    consultation's department, while the report is drafted). The campaign keeps the theme, so a
    comment that joins it later is answered by the theme too. No cap on the count: the comments
    are selected by one indexed key range, not listed by the caller.
    """
    theme = await report.theme_for_grouping(db, actor, theme_id, scope)
    campaign = await get_campaign(db, campaign_id)
    if campaign["consultation_id"] != theme["consultation_id"]:
        raise InvalidInput("the campaign and the theme belong to different consultations", field="campaignId")
    # The campaign first: a comment joining meanwhile takes the theme from it, or gets it below.
    updated = await CAMPAIGNS.of(db).find_one_and_update(
        {"_id": campaign_id}, {"$set": {"theme_id": theme_id}}, return_document=ReturnDocument.AFTER
    )
    if updated is None:
        raise NotFound("no campaign has this id", field="campaignId")
    result = await COMMENTS.of(db).update_many(
        {"campaign_page_key": campaign_range(campaign_id), "status": CommentStatus.PUBLISHED.value},
        {"$set": {"theme_id": theme_id}},
    )
    return updated, result.matched_count
