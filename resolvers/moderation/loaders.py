"""DataLoaders for moderation items, redacted originals and reason labels."""

from __future__ import annotations

from models.common.db import Database
from models.moderation import reasons, repository
from models.moderation.documents import ModerationItemDocument
from resolvers.common.loaders import LoaderSpec, keyed

ITEM_BY_ID: LoaderSpec[str, ModerationItemDocument | None] = keyed(
    "moderation_item_by_id", repository.find_items
)
# Restricted: resolvers load an original only after `policy.may_read` allowed the viewer.
ORIGINAL_BY_ITEM: LoaderSpec[str, str | None] = keyed(
    "moderation_original_by_item", repository.find_originals
)


async def _labels(db: Database, codes: list[str]) -> list[str | None]:
    labels = await reasons.reason_labels(db)  # the whole list is small: one read per request
    return [labels.get(code) for code in codes]


REASON_LABEL: LoaderSpec[str, str | None] = LoaderSpec(name="moderation_reason_label", batch=_labels)
