"""DataLoaders for consultations, their stored versions, comments, themes, campaigns and agreements."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from bson import ObjectId

from models.common.db import Database
from models.common.repository import find_by_keys
from models.consultations import repository, versions
from models.consultations.documents import (
    THEMES,
    CampaignDocument,
    CommentDocument,
    ConsultationDocument,
    ConsultationVersionDocument,
    ThemeDocument,
)
from models.consultations.repository import comments as comment_reads
from models.consultations.repository.campaigns import find_campaigns
from resolvers.common.loaders import LoaderSpec, keyed

CONSULTATION_BY_ID: LoaderSpec[ObjectId, ConsultationDocument | None] = keyed(
    "consultation_by_id", repository.find_consultations
)
VERSIONS_BY_CONSULTATION: LoaderSpec[ObjectId, list[ConsultationVersionDocument]] = keyed(
    "versions_by_consultation", versions.versions_by_consultation, default=[]
)


async def _find_themes(db: Database, ids: Sequence[ObjectId]) -> dict[Hashable, ThemeDocument]:
    return await find_by_keys(THEMES.of(db), "_id", ids)


COMMENT_BY_ID: LoaderSpec[ObjectId, CommentDocument | None] = keyed("comment_by_id", repository.find_comments)
THEME_BY_ID: LoaderSpec[ObjectId, ThemeDocument | None] = keyed("theme_by_id", _find_themes)
CAMPAIGN_BY_ID: LoaderSpec[ObjectId, CampaignDocument | None] = keyed("campaign_by_id", find_campaigns)


def agreed_by(person_id: ObjectId) -> LoaderSpec[ObjectId, bool]:
    """Whether `person_id` agreed with each comment: one `$in` per page of comments.

    The person is part of the loader's name, so a request's loaders never mix two viewers.
    """

    async def batch(db: Database, comment_ids: list[ObjectId]) -> list[bool]:
        agreed = await comment_reads.agreed_by(db, person_id, comment_ids)
        return [comment_id in agreed for comment_id in comment_ids]

    return LoaderSpec(name=f"comment_agreed_by:{person_id}", batch=batch)
