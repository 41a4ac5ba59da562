"""All comments of a consultation as CSV for officials: streamed in batches, pseudonyms, no personal data."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable
from zoneinfo import ZoneInfo

from bson import ObjectId

from models.common.actors import Actor
from models.common.db import Database
from models.consultations.comment_batches import comment_batches
from models.consultations.documents import CommentStatus, ConsultationDocument
from models.consultations.policy import require_authority_over
from models.consultations.report import clause_labels, effective_outcome, themes_of
from models.consultations.repository import get_consultation
from models.departments.policy import DepartmentScope
from models.identity.documents import PEOPLE

# UTF-8 with a byte-order mark: without it, spreadsheet programs read the Chinese as another code page.
BOM = "\ufeff"
HEADER = (
    "条款 Clause",
    "立场 Stance",
    "意见 Comment",
    "附议 Agrees",
    "状态 Status",
    "处理结果 Outcome",
    "理由 Reason",
    "渠道 Channel",
    "提交人 Pseudonym",
    "日期 Date",
)
WHOLE_DRAFT = "全文 Whole draft"
# Only what the comments need to show; the author's phone and e-mail are never read.
_FIELDS = {
    "clause_id": 1,
    "stance": 1,
    "text": 1,
    "agree_count": 1,
    "status": 1,
    "outcome": 1,
    "theme_id": 1,
    "channel": 1,
    "author_id": 1,
    "created_at": 1,
}
# A cell starting like a formula runs as one in spreadsheet programs (CSV injection): quote it.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def _csv(rows: Iterable[Iterable[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180 line ends, which Excel expects
    writer.writerows(rows)
    return buffer.getvalue()


async def _pseudonyms(db: Database, author_ids: Iterable[ObjectId | None]) -> dict[ObjectId | None, str]:
    ids = [author_id for author_id in dict.fromkeys(author_ids) if author_id is not None]
    cursor = PEOPLE.of(db).find({"_id": {"$in": ids}}, {"public_name": 1})
    return {person["_id"]: person.get("public_name", "") async for person in cursor}


async def export_comments_csv(
    db: Database, actor: Actor, consultation_id: ObjectId, scope: DepartmentScope, time_zone: str
) -> AsyncIterator[str]:
    """The CSV text in chunks (the first starts with the BOM and the header), one chunk per batch of
    comments, so memory stays bounded whatever the size; officials of the department only.

    Authority is checked before the first chunk, so a refusal is an exception, not a broken file.
    """
    consultation = await get_consultation(db, consultation_id)
    await require_authority_over(db, actor, consultation, scope)
    return _chunks(db, consultation, ZoneInfo(time_zone))


async def _chunks(db: Database, consultation: ConsultationDocument, zone: ZoneInfo) -> AsyncIterator[str]:
    themes = await themes_of(db, consultation["_id"])
    labels = {clause["id"]: clause["label"] for clause in consultation["clauses"]}
    yield BOM + _csv([HEADER])
    async for batch in comment_batches(db, consultation["_id"], projection=_FIELDS):
        unknown = {clause for c in batch if (clause := c.get("clause_id")) and clause not in labels}
        if unknown:  # clauses removed by a revision keep their old labels
            labels.update(await clause_labels(db, consultation, unknown))
        names = await _pseudonyms(db, (comment.get("author_id") for comment in batch))
        rows = []
        for comment in batch:
            clause_id = comment.get("clause_id")
            outcome = effective_outcome(comment, themes) or {}
            deleted = comment["status"] == CommentStatus.DELETED
            rows.append(
                [
                    labels.get(clause_id, clause_id) if clause_id else WHOLE_DRAFT,
                    comment["stance"],
                    _cell(comment.get("text") or ""),
                    str(comment.get("agree_count", 0)),
                    comment["status"],
                    outcome.get("code", ""),
                    _cell(outcome.get("reason", "")),
                    comment.get("channel", "APP"),
                    # A deleted comment's author is not named, as in the app.
                    "" if deleted else _cell(names.get(comment.get("author_id"), "")),
                    comment["created_at"].astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                ]
            )
        yield _csv(rows)
