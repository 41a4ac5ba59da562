"""Comments on a consultation: submitted (also by helpers), edited, deleted, agreed with, answered.

Listing them is in repository/comments.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from models.common.actors import Actor, Role, require_role
from models.common.clock import Clock, utcnow
from models.common.db import Database, Document
from models.common.errors import Conflict, Forbidden, InvalidInput
from models.common.outbox import push_events, relay_or_defer, with_events
from models.consultations.campaigns import join_campaign, refresh_sample
from models.consultations.comment_counters import count_published
from models.consultations.comment_moderation import CONSULTATION_COMMENT
from models.consultations.comment_status import change_status, visible_to
from models.consultations.documents import (
    COMMENT_AGREES,
    COMMENTS,
    Channel,
    CommentDocument,
    CommentStatus,
    ConsultationDocument,
    Stage,
    Stance,
    agree_key,
    author_page_key,
    comment_page_key,
)
from models.consultations.errors import EditWindowClosed, WrongStage
from models.consultations.events import replied_event
from models.consultations.policy import is_published, may_see_comment, require_authority_over
from models.consultations.repository import (
    get_comment,
    get_consultation,
    no_such_comment,
    no_such_consultation,
)
from models.consultations.stages import effective_stage
from models.departments.policy import DepartmentScope
from models.identity.citizens import find_or_enrol_citizen
from models.moderation.events import hold_event
from models.moderation.queue import hold_for_review
from models.moderation.screen import screen_submission
from models.moderation.similarity import similarity_keys
from moderation.screening import normalise_text

TEXT_LENGTH = (2, 2000)
EDIT_WINDOW = dt.timedelta(minutes=15)


def clean_text(text: str, field: str = "text") -> str:
    cleaned = normalise_text(text)
    low, high = TEXT_LENGTH
    if not low <= len(cleaned) <= high:
        raise InvalidInput(f"a comment is {low}–{high} characters (now {len(cleaned)})", field=field)
    return cleaned


def _require_open(consultation: ConsultationDocument, now: dt.datetime, action: str) -> None:
    # The effective stage: past its closing time an OPEN consultation is CLOSED, even before the
    # sweep that records it has run.
    stage = effective_stage(consultation, now)
    if stage is not Stage.OPEN:
        raise WrongStage(stage, [Stage.OPEN], action)


def _require_clause(consultation: ConsultationDocument, clause_id: str | None) -> None:
    if clause_id is not None and all(clause["id"] != clause_id for clause in consultation["clauses"]):
        raise InvalidInput(f"the current text has no clause {clause_id!r}", field="clauseId")


@dataclass(frozen=True)
class NewComment:
    consultation_id: ObjectId
    clause_id: str | None  # None: on the whole draft
    stance: Stance
    text: str


@dataclass(frozen=True)
class _Checked:
    consultation: ConsultationDocument
    text: str


async def _check(db: Database, new: NewComment, now: dt.datetime) -> _Checked:
    consultation = await get_consultation(db, new.consultation_id)
    if not is_published(consultation):  # nobody who may comment may see a draft
        raise no_such_consultation()
    _require_open(consultation, now, "commented on")
    _require_clause(consultation, new.clause_id)
    return _Checked(consultation, clean_text(new.text))


def comment_document(
    consultation: ConsultationDocument,
    *,
    clause_id: str | None,
    stance: Stance,
    text: str,
    author_id: ObjectId,
    status: CommentStatus,
    created_at: dt.datetime,
    helper_id: ObjectId | None = None,
    channel: Channel = Channel.APP,
    screening_reasons: Sequence[str] = (),
    comment_id: ObjectId | None = None,
) -> CommentDocument:
    """A comment as it is stored (also for seeding demo data and tests in bulk)."""
    # The id is made here, so both paging keys are written with the document, not after it.
    comment_id = comment_id or ObjectId()
    return COMMENTS.new_document(
        {
            "_id": comment_id,
            "consultation_id": consultation["_id"],
            "clause_id": clause_id,
            "version": consultation.get("version", 1),
            "author_id": author_id,
            "helper_id": helper_id,
            "channel": channel.value,
            "stance": stance.value,
            "text": text,
            "status": status.value,
            "screening_reasons": list(screening_reasons),
            "visible_to": visible_to(status, author_id),
            "agree_count": 0,
            "reply": None,
            "outcome": None,
            "page_key": comment_page_key(consultation["_id"], comment_id),
            "author_page_key": author_page_key(author_id, comment_id),
            "created_at": created_at,
            "edited_at": None,
            "deleted_at": None,
            "similarity_keys": similarity_keys(text),
            "campaign_id": None,
        }
    )


async def _insert(
    db: Database,
    checked: _Checked,
    new: NewComment,
    *,
    author_id: ObjectId,
    helper_id: ObjectId | None,
    channel: Channel,
    now: dt.datetime,
) -> CommentDocument:
    consultation = checked.consultation
    screening = await screen_submission(
        db,
        author_id=author_id,
        text=checked.text,
        premoderated=bool(consultation.get("premoderated")),
        scope=f"consultation:{consultation['_id']}",
        now=now,
    )
    status = CommentStatus(screening.status)
    comment = comment_document(
        consultation,
        clause_id=new.clause_id,
        stance=new.stance,
        text=checked.text,
        author_id=author_id,
        status=status,
        created_at=now,
        helper_id=helper_id,
        channel=channel,
        screening_reasons=screening.reasons,
    )
    if status is CommentStatus.PUBLISHED:
        await COMMENTS.of(db).insert_one(comment)
        await count_published(db, comment, +1)
    else:
        event = hold_event(CONSULTATION_COMMENT, comment["_id"], author_id, screening, now)
        await COMMENTS.of(db).insert_one(with_events(comment, [event]))
        await hold_for_review(db, CONSULTATION_COMMENT, comment["_id"], author_id, screening, now)
    comment["campaign_id"] = await join_campaign(db, comment, now=lambda: now)
    return comment


async def submit_comment(
    db: Database, actor: Actor, new: NewComment, *, now: Clock = utcnow
) -> CommentDocument:
    """A citizen's comment on a clause (or the whole draft) of an open consultation."""
    require_role(actor, Role.CITIZEN)
    assert actor.person_id is not None
    at = now()
    checked = await _check(db, new, at)
    return await _insert(
        db, checked, new, author_id=actor.person_id, helper_id=None, channel=Channel.APP, now=at
    )


async def submit_on_behalf(
    db: Database,
    actor: Actor,
    *,
    phone_number: str,
    phone_key: bytes,
    channel: Channel,
    new: NewComment,
    now: Clock = utcnow,
) -> CommentDocument:
    """A helper submits a citizen's comment, identified by phone (linked to, or enrolling, that citizen).

    The comment records the helper and the channel; the citizen owns it and is told its outcome
    like anyone else. Everything is checked before a new citizen is enrolled.
    """
    require_role(actor, Role.HELPER)
    at = now()
    checked = await _check(db, new, at)
    citizen = await find_or_enrol_citizen(db, phone_number=phone_number, phone_key=phone_key)
    return await _insert(
        db, checked, new, author_id=citizen["_id"], helper_id=actor.person_id, channel=channel, now=at
    )


def _require_author(actor: Actor, comment: CommentDocument, action: str) -> None:
    if not may_see_comment(actor, comment):
        raise no_such_comment()
    if not actor.signed_in:
        raise Forbidden("sign in first")
    if comment["author_id"] != actor.person_id:
        raise Forbidden(f"only its author can {action} a comment")


async def edit_comment(
    db: Database, actor: Actor, comment_id: ObjectId, text: str, *, now: Clock = utcnow
) -> CommentDocument:
    """The author changes the text within 15 minutes of posting, while nobody has replied.

    The new text is screened again: in a premoderated consultation it waits for a moderator
    (and stops counting meanwhile). Stance and clause stay, so figures stay comparable.
    """
    at = now()
    comment = await get_comment(db, comment_id)
    _require_author(actor, comment, "edit")
    status = CommentStatus(comment["status"])
    if status not in (CommentStatus.PENDING, CommentStatus.PUBLISHED):
        raise Conflict(f"a {status.value.lower()} comment cannot be edited")
    if comment.get("reply"):
        raise EditWindowClosed("an official has replied to this comment, so it can no longer be edited")
    if at - comment["created_at"] > EDIT_WINDOW:
        raise EditWindowClosed("a comment can be edited only in the first 15 minutes after posting")
    consultation = await get_consultation(db, comment["consultation_id"])
    _require_open(consultation, at, "commented on")
    cleaned = clean_text(text)
    screening = await screen_submission(
        db,
        author_id=comment["author_id"],
        text=cleaned,
        premoderated=bool(consultation.get("premoderated")),
        scope=f"consultation:{consultation['_id']}",
        now=at,
        previous_text=comment["text"],
    )
    # A comment a moderator holds stays held: an edit must not slip past the queue.
    new_status = status if status is CommentStatus.PENDING else CommentStatus(screening.status)
    held_now = status is CommentStatus.PUBLISHED and new_status is not CommentStatus.PUBLISHED
    author_id = comment["author_id"]
    fields = {
        "text": cleaned,
        "screening_reasons": screening.reasons,
        "edited_at": at,
        "similarity_keys": similarity_keys(cleaned),
    }
    held = [hold_event(CONSULTATION_COMMENT, comment_id, author_id, screening, at)] if held_now else []
    updated = await change_status(
        db, comment, new_status, fields, condition={"status": status.value, "reply": None}, events=held
    )
    if updated is None:
        raise Conflict("the comment changed meanwhile (a reply, or it was deleted); reload it")
    if held_now:
        await hold_for_review(db, CONSULTATION_COMMENT, comment_id, author_id, screening, at)
    await refresh_sample(db, updated)
    updated["campaign_id"] = await join_campaign(db, updated, now=lambda: at)
    return updated


async def delete_comment(
    db: Database, actor: Actor, comment_id: ObjectId, *, now: Clock = utcnow
) -> CommentDocument:
    """The author deletes a comment: a tombstone without text keeps any reply readable."""
    comment = await get_comment(db, comment_id)
    _require_author(actor, comment, "delete")
    deleted: Document = {
        "text": None,
        "deleted_at": now(),
        "similarity_keys": [],  # derived from the text, which is gone
    }
    # Whatever its status now (a moderator may have changed it since it was read), once.
    after = await change_status(
        db,
        comment,
        CommentStatus.DELETED,
        deleted,
        condition={"status": {"$ne": CommentStatus.DELETED.value}},
    )
    if after is None:
        return comment if comment["status"] == CommentStatus.DELETED else await get_comment(db, comment_id)
    return after


async def toggle_agree(
    db: Database, actor: Actor, comment_id: ObjectId, *, now: Clock = utcnow
) -> tuple[bool, int]:
    """A citizen agrees with a published comment, or takes it back; returns (agreed, agree count).

    Once per person (the agreement's `_id` is the pair), and not with one's own comment: an
    agree count says how many *others* back a point. Only while the consultation is open.
    """
    require_role(actor, Role.CITIZEN)
    assert actor.person_id is not None
    comment = await get_comment(db, comment_id)
    if not may_see_comment(actor, comment):
        raise no_such_comment()
    if comment["status"] != CommentStatus.PUBLISHED:
        raise Conflict("only a published comment can be agreed with")
    if comment["author_id"] == actor.person_id:
        raise Forbidden("you cannot agree with your own comment")
    consultation = await get_consultation(db, comment["consultation_id"])
    _require_open(consultation, now(), "agreed with")
    key = agree_key(comment_id, actor.person_id)
    agrees = COMMENT_AGREES.of(db)
    try:
        await agrees.insert_one(
            COMMENT_AGREES.new_document(
                {"_id": key, "comment_id": comment_id, "person_id": actor.person_id, "created_at": now()}
            )
        )
        agreed, delta = True, 1
    except DuplicateKeyError:
        # Agreeing again takes it back; only the call that removed the agreement counts it down.
        removed = await agrees.delete_one({"_id": key})
        agreed, delta = False, -removed.deleted_count
    if not delta:
        return agreed, int((await get_comment(db, comment_id)).get("agree_count", 0))
    updated = await COMMENTS.of(db).find_one_and_update(
        {"_id": comment_id},
        {"$inc": {"agree_count": delta}},
        projection={"agree_count": 1},
        return_document=ReturnDocument.AFTER,
    )
    return agreed, int((updated or {}).get("agree_count", 0))


async def reply_to_comment(
    db: Database,
    actor: Actor,
    comment_id: ObjectId,
    text: str,
    scope: DepartmentScope,
    *,
    now: Clock = utcnow,
) -> CommentDocument:
    """An official of the consultation's department answers a comment publicly; its author is told.

    A second reply replaces the first (one public answer per comment).
    """
    comment = await get_comment(db, comment_id)
    consultation = await get_consultation(db, comment["consultation_id"])
    await require_authority_over(db, actor, consultation, scope, comment=comment)
    if consultation["stage"] not in (Stage.OPEN, Stage.CLOSED, Stage.CONCLUDED):
        raise WrongStage(consultation["stage"], [Stage.OPEN, Stage.CLOSED, Stage.CONCLUDED], "answered")
    if comment["status"] != CommentStatus.PUBLISHED:
        raise Conflict("only a published comment can be answered")
    cleaned = clean_text(text)
    at = now()
    event = replied_event(
        person_id=comment["author_id"], comment_id=comment_id, consultation_id=consultation["_id"], at=at
    )
    updated = await COMMENTS.of(db).find_one_and_update(
        {"_id": comment_id, "status": CommentStatus.PUBLISHED.value},
        push_events(
            {"$set": {"reply": {"text": cleaned, "official_id": actor.person_id, "at": at}}}, [event]
        ),
        return_document=ReturnDocument.AFTER,
    )
    if updated is None:
        raise Conflict("the comment was deleted meanwhile")
    await relay_or_defer(db, COMMENTS.name, comment_id)
    return updated
