"""The adoption report: themes, an outcome for every published comment, and the report that concludes."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence

from bson import ObjectId
from pymongo import ReturnDocument, UpdateOne
from pymongo.errors import PyMongoError

from models.common.actors import Actor
from models.common.clock import Clock, utcnow
from models.common.db import Database, Document
from models.common.errors import Conflict, InvalidInput, NotFound
from models.common.outbox import push_events, relay_many
from models.common.pagination import Page, PageArgs, PageBounds, SortOrder, paginate
from models.consultations.comment_batches import comment_batches
from models.consultations.comments import clean_text
from models.consultations.documents import (
    COMMENTS,
    CONSULTATION_VERSIONS,
    CONSULTATIONS,
    THEMES,
    CommentDocument,
    CommentStatus,
    ConsultationDocument,
    Outcome,
    Stage,
    ThemeDocument,
)
from models.consultations.errors import ReportIncomplete, WrongStage
from models.consultations.events import outcome_event
from models.consultations.policy import require_authority_over
from models.consultations.repository import get_comment, get_consultation
from models.departments.policy import DepartmentScope

log = logging.getLogger("townhall.consultations.report")

DRAFTING_STAGES = (Stage.OPEN, Stage.CLOSED)  # outcomes may be prepared before closing
TITLE_LENGTH = (2, 100)
SUMMARY_LENGTH = (2, 10_000)
MAX_ASSIGNED = 500
WHOLE_DRAFT = "the whole draft"


def _bounded(text: str, field: str, length: tuple[int, int], what: str) -> str:
    # A title is one line; a summary keeps its paragraphs.
    cleaned = " ".join(text.split()) if field == "title" else text.strip()
    low, high = length
    if not low <= len(cleaned) <= high:
        raise InvalidInput(f"{what} is {low}–{high} characters", field=field)
    return cleaned


async def _drafting(
    db: Database,
    actor: Actor,
    consultation_id: ObjectId,
    scope: DepartmentScope,
    action: str,
    *,
    comment: CommentDocument | None = None,
) -> ConsultationDocument:
    consultation = await get_consultation(db, consultation_id)
    await require_authority_over(db, actor, consultation, scope, comment=comment)
    if consultation["stage"] not in DRAFTING_STAGES:
        raise WrongStage(consultation["stage"], DRAFTING_STAGES, action)
    return consultation


def _outcome(outcome: Outcome, reason: str, actor: Actor, clock: Clock) -> Document:
    return {
        "code": outcome.value,
        "reason": clean_text(reason, field="reason"),
        "set_by": actor.person_id,
        "at": clock(),
    }


async def _theme(db: Database, theme_id: ObjectId) -> ThemeDocument:
    theme = await THEMES.of(db).find_one({"_id": theme_id})
    if theme is None:
        raise NotFound("no theme has this id", field="themeId")
    return theme


async def create_theme(
    db: Database,
    actor: Actor,
    consultation_id: ObjectId,
    title: str,
    scope: DepartmentScope,
    *,
    now: Clock = utcnow,
) -> ThemeDocument:
    """A theme groups similar comments so one outcome answers them all."""
    consultation = await _drafting(db, actor, consultation_id, scope, "grouped into themes")
    theme = THEMES.new_document(
        {
            "consultation_id": consultation["_id"],
            "title": _bounded(title, "title", TITLE_LENGTH, "a theme's title"),
            "outcome": None,
            "created_by": actor.person_id,
            "created_at": now(),
        }
    )
    await THEMES.of(db).insert_one(theme)
    return theme


async def theme_for_grouping(
    db: Database, actor: Actor, theme_id: ObjectId, scope: DepartmentScope
) -> ThemeDocument:
    """The theme, once `actor` may put comments of its consultation into it (while it is drafted)."""
    theme = await _theme(db, theme_id)
    await _drafting(db, actor, theme["consultation_id"], scope, "grouped into themes")
    return theme


async def assign_to_theme(
    db: Database, actor: Actor, comment_ids: Sequence[ObjectId], theme_id: ObjectId, scope: DepartmentScope
) -> ThemeDocument:
    """Put published comments of the theme's consultation into the theme (moving them from another)."""
    theme = await theme_for_grouping(db, actor, theme_id, scope)
    ids = list(dict.fromkeys(comment_ids))
    if not ids or len(ids) > MAX_ASSIGNED:
        raise InvalidInput(f"give 1–{MAX_ASSIGNED} comments", field="commentIds")
    found = await COMMENTS.of(db).find({"_id": {"$in": ids}}, {"consultation_id": 1, "status": 1}).to_list()
    usable = {
        comment["_id"]
        for comment in found
        if comment["consultation_id"] == theme["consultation_id"]
        and comment["status"] == CommentStatus.PUBLISHED
    }
    if len(usable) != len(ids):
        raise InvalidInput(
            f"{len(ids) - len(usable)} of these are not published comments of this consultation",
            field="commentIds",
        )
    await COMMENTS.of(db).update_many({"_id": {"$in": ids}}, {"$set": {"theme_id": theme_id}})
    return theme


async def set_theme_outcome(
    db: Database,
    actor: Actor,
    theme_id: ObjectId,
    outcome: Outcome,
    reason: str,
    scope: DepartmentScope,
    *,
    now: Clock = utcnow,
) -> ThemeDocument:
    """The outcome of every comment in the theme that has none of its own."""
    theme = await _theme(db, theme_id)
    await _drafting(db, actor, theme["consultation_id"], scope, "given outcomes")
    updated = await THEMES.of(db).find_one_and_update(
        {"_id": theme_id},
        {"$set": {"outcome": _outcome(outcome, reason, actor, now)}},
        return_document=ReturnDocument.AFTER,
    )
    if updated is None:
        raise NotFound("no theme has this id", field="themeId")
    return updated


async def set_comment_outcome(
    db: Database,
    actor: Actor,
    comment_id: ObjectId,
    outcome: Outcome,
    reason: str,
    scope: DepartmentScope,
    *,
    now: Clock = utcnow,
) -> CommentDocument:
    """A published comment's own outcome; it takes precedence over its theme's."""
    comment = await get_comment(db, comment_id)
    await _drafting(db, actor, comment["consultation_id"], scope, "given outcomes", comment=comment)
    updated = await COMMENTS.of(db).find_one_and_update(
        {"_id": comment_id, "status": CommentStatus.PUBLISHED.value},
        {"$set": {"outcome": {**_outcome(outcome, reason, actor, now), "theme_id": None}}},
        return_document=ReturnDocument.AFTER,
    )
    if updated is None:
        raise Conflict("only a published comment can be given an outcome")
    return updated


def effective_outcome(comment: CommentDocument, themes: dict[ObjectId, ThemeDocument]) -> Document | None:
    """The comment's own outcome, else its theme's (marked with the theme's id), else None."""
    own = comment.get("outcome")
    # A stored outcome with a theme_id is a theme's, copied when a report was published: the
    # theme's current one is the truth.
    if own and not own.get("theme_id"):
        return dict(own)
    theme_id = comment.get("theme_id")
    theme = themes.get(theme_id) if theme_id else None
    theme_outcome = theme.get("outcome") if theme else None
    if theme and theme_outcome:
        return {**theme_outcome, "theme_id": theme["_id"]}
    return None


async def page_themes(db: Database, consultation_id: ObjectId, args: PageArgs, bounds: PageBounds) -> Page:
    """A consultation's themes, oldest first."""
    return await paginate(THEMES.of(db), {"consultation_id": consultation_id}, SortOrder("_id"), args, bounds)


async def themes_of(db: Database, consultation_id: ObjectId) -> dict[ObjectId, ThemeDocument]:
    return {theme["_id"]: theme async for theme in THEMES.of(db).find({"consultation_id": consultation_id})}


async def clause_labels(
    db: Database, consultation: ConsultationDocument, wanted: set[str] | None = None
) -> dict[str, str]:
    """Labels of the current clauses, and of any `wanted` clause removed since from an older version."""
    labels = {clause["id"]: clause["label"] for clause in consultation["clauses"]}
    gone = (wanted or set()) - set(labels)
    if gone:
        cursor = CONSULTATION_VERSIONS.of(db).find(
            {"consultation_id": consultation["_id"]}, {"clauses": 1, "number": 1}
        )
        for version in sorted(await cursor.to_list(), key=lambda version: version["number"]):
            labels.update({c["id"]: c["label"] for c in version["clauses"] if c["id"] in gone})
    return labels


def _place_order(labels: dict[str, str], consultation: ConsultationDocument) -> list[str]:
    current = [clause["id"] for clause in consultation["clauses"]]
    return current + sorted(set(labels) - set(current), key=lambda clause_id: (len(clause_id), clause_id))


_OUTCOME_FIELDS = {"clause_id": 1, "outcome": 1, "theme_id": 1, "author_id": 1}


async def _missing_outcomes(
    db: Database, consultation: ConsultationDocument, themes: dict[ObjectId, ThemeDocument]
) -> dict[str, int]:
    """How many published comments lack an outcome, by clause label, in the text's order."""
    by_clause: Counter[str | None] = Counter()
    async for batch in comment_batches(
        db, consultation["_id"], status=CommentStatus.PUBLISHED.value, projection=_OUTCOME_FIELDS
    ):
        by_clause.update(c.get("clause_id") for c in batch if effective_outcome(c, themes) is None)
    if not by_clause:
        return {}
    labels = await clause_labels(db, consultation, {c for c in by_clause if c is not None})
    missing = {labels.get(c, c): by_clause[c] for c in _place_order(labels, consultation) if by_clause[c]}
    if by_clause[None]:
        missing[WHOLE_DRAFT] = by_clause[None]
    return missing


async def _record_outcomes(
    db: Database, consultation: ConsultationDocument, themes: dict[ObjectId, ThemeDocument], clock: Clock
) -> Counter[str]:
    """Write each published comment's final outcome with its author's event, batch by batch.

    Events ride in each comment's own document: thousands would not fit in the consultation's.
    """
    tally: Counter[str] = Counter()
    async for batch in comment_batches(
        db,
        consultation["_id"],
        status=CommentStatus.PUBLISHED.value,
        projection={**_OUTCOME_FIELDS, "consultation_id": 1},
    ):
        writes = []
        for comment in batch:
            outcome = effective_outcome(comment, themes)
            if outcome is None:
                # Published since the check (a moderator approved it): nothing is concluded yet.
                raise ReportIncomplete(await _missing_outcomes(db, consultation, themes))
            tally[outcome["code"]] += 1
            # An author who erased their account is told nothing; the outcome stays public.
            events = [outcome_event(comment, outcome, at=clock())] if comment.get("author_id") else []
            writes.append(
                UpdateOne({"_id": comment["_id"]}, push_events({"$set": {"outcome": outcome}}, events))
            )
        await COMMENTS.of(db).bulk_write(writes, ordered=False)
        try:
            await relay_many(db, COMMENTS.name, [comment["_id"] for comment in batch])
        except PyMongoError:
            log.warning("outcome events left to the sweeper for %s", consultation["_id"], exc_info=True)
    return tally


async def publish_report(
    db: Database,
    actor: Actor,
    consultation_id: ObjectId,
    summary: str,
    changed_clause_ids: Sequence[str],
    scope: DepartmentScope,
    *,
    now: Clock = utcnow,
) -> ConsultationDocument:
    """Conclude a closed consultation with its adoption report; each commenter is told their outcome.

    Refused while any published comment has no outcome. The stage changes last, after every
    comment carries its outcome and event: a crash midway leaves it CLOSED, and publishing again
    finishes the job without telling anyone twice (event ids are per comment).
    """
    consultation = await get_consultation(db, consultation_id)
    await require_authority_over(db, actor, consultation, scope)
    if consultation["stage"] != Stage.CLOSED:
        raise WrongStage(consultation["stage"], [Stage.CLOSED], "concluded with a report")
    cleaned_summary = _bounded(summary, "summary", SUMMARY_LENGTH, "a report's summary")
    changed = list(dict.fromkeys(changed_clause_ids))
    labels = await clause_labels(db, consultation, set(changed))
    unknown = [clause_id for clause_id in changed if clause_id not in labels]
    if unknown:
        raise InvalidInput(f"this draft has no clause {unknown[0]!r}", field="changedClauseIds")
    themes = await themes_of(db, consultation["_id"])
    # Not redundant with _record_outcomes' check: that one finds a gap only in the batch it is
    # writing, after the batches before it have told their authors.
    missing = await _missing_outcomes(db, consultation, themes)
    if missing:
        raise ReportIncomplete(missing)
    tally = await _record_outcomes(db, consultation, themes, now)
    at = now()
    report = {
        "summary": cleaned_summary,
        "changed_clause_ids": changed,
        "outcomes": {outcome.value: tally[outcome.value] for outcome in Outcome},
        "comments": sum(tally.values()),
        "published_at": at,
        "published_by": actor.person_id,
    }
    concluded = await CONSULTATIONS.of(db).find_one_and_update(
        {"_id": consultation["_id"], "stage": Stage.CLOSED.value},
        {"$set": {"stage": Stage.CONCLUDED.value, "report": report, "concluded_at": at, "updated_at": at}},
        return_document=ReturnDocument.AFTER,
    )
    if concluded is None:
        raise Conflict("the consultation changed meanwhile (another report was published?); reload it")
    return concluded
