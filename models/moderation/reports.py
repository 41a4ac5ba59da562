"""Citizens' reports of published content: each raises the item's priority; enough distinct
reporters hide the content until a moderator decides (configurable, off for officials' content
by default)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from models.common.actors import Actor, Role
from models.common.clock import Clock, utcnow
from models.common.db import Database
from models.common.errors import Conflict, Forbidden, InvalidInput
from models.moderation.content_kinds import Action, ContentView, Decision, content_kind, item_id_of
from models.moderation.documents import (
    MODERATION_ITEMS,
    MODERATION_REPORTS,
    ItemStatus,
    ModerationItemDocument,
)
from models.moderation.errors import AlreadyReported
from models.moderation.queue import REPORTED, enqueue, reopen, reprioritise
from models.moderation.reasons import require_reason
from moderation.screening import normalise_text

NOTE_LENGTH = 500
STAFF = (Role.OFFICIAL, Role.MODERATOR, Role.ADMIN)


@dataclass(frozen=True)
class ReportPolicy:
    """`hide_after` distinct reporters hide content pending review (None: never); staff content
    (officials answering, say) only when `hide_staff_content`."""

    hide_after: int | None = 3
    hide_staff_content: bool = False


async def report_content(
    db: Database,
    reporter: Actor,
    kind: str,
    ref_id: Any,
    reason_code: str,
    note: str | None,
    policy: ReportPolicy,
    *,
    now: Clock = utcnow,
) -> ModerationItemDocument:
    """Report published content once; returns its queue item (opened, or reopened, if need be)."""
    if not reporter.signed_in:
        raise Forbidden("sign in first")
    assert reporter.person_id is not None
    await require_reason(db, reason_code)
    cleaned = normalise_text(note) if note else None
    if cleaned is not None and len(cleaned) > NOTE_LENGTH:
        raise InvalidInput(f"a note is at most {NOTE_LENGTH} characters", field="note")
    content = content_kind(kind)
    view = await content.read(db, ref_id)
    if view.author_id == reporter.person_id:
        raise Forbidden("you cannot report your own content")
    if not view.published:
        raise Conflict("only published content can be reported")
    at = now()
    item = await enqueue(db, kind=kind, ref_id=ref_id, author_id=view.author_id, reasons=[REPORTED], now=now)
    item = await reopen(db, item, at)
    item_id = item_id_of(kind, ref_id)
    try:
        await MODERATION_REPORTS.of(db).insert_one(
            MODERATION_REPORTS.new_document(
                {
                    "_id": f"{item_id}:{reporter.person_id}:{item['round']}",
                    "item_id": item_id,
                    "person_id": reporter.person_id,
                    "reason_code": reason_code,
                    "note": cleaned,
                    "round": item["round"],
                    "created_at": at,
                }
            )
        )
    except DuplicateKeyError:
        raise AlreadyReported("you have reported this already") from None
    counted = await MODERATION_ITEMS.of(db).find_one_and_update(
        {"_id": item_id}, {"$inc": {"report_count": 1}}, return_document=ReturnDocument.AFTER
    )
    assert counted is not None
    counted = await reprioritise(db, counted, reported_at=at)
    if _hides_now(counted, view, policy):
        hold = Decision(
            action=Action.HIDE, reason_code=REPORTED, note=None, moderator_id=reporter.person_id, at=at
        )
        await content.on_report_hide(db, ref_id, hold)
    return counted


def _hides_now(item: ModerationItemDocument, view: ContentView, policy: ReportPolicy) -> bool:
    """Whether this report is the one that hides the content pending review."""
    if policy.hide_after is None or item["status"] != ItemStatus.OPEN:
        return False
    if int(item["report_count"]) < policy.hide_after:
        return False
    return policy.hide_staff_content or view.author_role not in STAFF
