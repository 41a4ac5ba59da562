"""Profile names as moderated content: how a citizen's new public name is screened, and what each
decision does to a name, registered with the moderation queue as the kind PROFILE_NAME.

The item's ref_id is the person's id (one item per person, reopened for each held name). A held
name waits in `pending_public_name` (with `pending_name_reasons`) while the old name stays public.
A name taken down is kept for staff in `withheld_name` {name, reason_code, pending_review, at}:
REJECT drops a pending name there, HIDE (and reports, pending review) put a fresh pseudonym in
place of a published one; APPROVE publishes a pending or withheld name. A redacted name carries
`name_redaction`; its original is in the restricted store until the person names themselves anew.
`name_set_at` is when the person last chose a name: a decision made before it was about an earlier
name, so applying it again (a retried apply event) leaves the new name alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from bson import ObjectId

from models.common.actors import Role
from models.common.db import Database, Document
from models.common.errors import InvalidInput, NotFound
from models.identity.citizens import pseudonym
from models.identity.documents import PEOPLE, PersonDocument, WithheldName
from models.identity.repository import find_person
from models.moderation.content_kinds import ContentKind, ContentView, Decision, item_id_of, register
from models.moderation.originals import forget_original, keep_original, stored_original
from models.moderation.screening_rules import current_rules
from moderation.redaction import redact_spans
from moderation.screening import Screening, screening_of, text_findings

PROFILE_NAME = "profile_name"

PENDING_NAME: Final = "pending_public_name"
PENDING_REASONS: Final = "pending_name_reasons"
WITHHELD: Final = "withheld_name"  # staff only: a rejected or hidden name, for an overturned appeal
REDACTION: Final = "name_redaction"
NAME_SET_AT: Final = "name_set_at"

RESUBMITTED = "resubmitted"  # the person chose again a name moderation took down
_NAME_STATE = (PENDING_NAME, PENDING_REASONS, WITHHELD, REDACTION)


# --- a person choosing a name ----------------------------------------------------------------


@dataclass(frozen=True)
class NameChange:
    """What choosing a public name changes on the person: fields to set and to remove, and the
    screening that holds it for a moderator (None when the name is public at once)."""

    set: Document
    unset: tuple[str, ...] = ()
    held: Screening | None = None


def name_screening(name: str, findings: Sequence[str], withheld: WithheldName | None) -> Screening:
    """The screening of a chosen name from its text findings (personal data, lexicon, links,
    repeated characters; no flood checks: a person has one name). Choosing again a name that
    moderation took down holds it too, so renaming cannot undo reports or a rejection."""
    reasons = list(findings)
    if withheld is not None and withheld.get("name") == name:
        reasons.append(RESUBMITTED)
    return screening_of(reasons, premoderated=False)


async def choose_name(
    db: Database, person: PersonDocument, name: str, *, screened: bool, at: dt.datetime
) -> NameChange:
    """The change of `person`'s public name to `name` (already cleaned): screened for citizens
    (staff names are set by admins and are not screened), then held or public at once."""
    if name == person.get("public_name") and not person.get(WITHHELD):
        if not person.get(PENDING_NAME):
            return NameChange(set={})
        # The name shown already: the pending one is withdrawn (and a decision on it not applied).
        return NameChange(set={NAME_SET_AT: at}, unset=(PENDING_NAME, PENDING_REASONS))
    if screened:
        rules = await current_rules(db)
        findings = text_findings(name, public=True, rules=rules.screening)
        screening = name_screening(name, findings, person.get(WITHHELD))
        if screening.reasons:
            return NameChange(
                set={PENDING_NAME: name, PENDING_REASONS: screening.reasons, NAME_SET_AT: at},
                unset=(WITHHELD,),
                held=screening,
            )
    return NameChange(set={"public_name": name, NAME_SET_AT: at}, unset=_NAME_STATE)


async def forget_redacted_original(db: Database, person_id: ObjectId) -> None:
    """Drop the original of an earlier redaction of the person's name once they chose another: a
    new round's redaction spans are of the new name, not of the stored one."""
    await forget_original(db, item_id_of(PROFILE_NAME, person_id))


# --- what decisions do to a name -------------------------------------------------------------


async def _person(db: Database, person_id: ObjectId) -> PersonDocument:
    person = await find_person(db, person_id)
    if person is None:
        raise NotFound("the person no longer exists")
    return person


def judged_name(person: PersonDocument) -> str:
    """The name a moderator judges: the pending one, else one taken down, else the public one."""
    withheld = person.get(WITHHELD)
    return str(person.get(PENDING_NAME) or (withheld and withheld.get("name")) or person["public_name"])


def _chosen_since(person: PersonDocument, decision: Decision) -> bool:
    """Whether the person chose a name after the decision, which was then about an earlier one."""
    chosen_at = person.get(NAME_SET_AT)
    return chosen_at is not None and chosen_at > decision.at


async def _read(db: Database, person_id: ObjectId) -> ContentView:
    person = await _person(db, person_id)
    shown = not person.get(PENDING_NAME) and not person.get(WITHHELD)
    role = Role(person["role"]) if person.get("role") else None
    return ContentView(author_id=person["_id"], author_role=role, text=judged_name(person), published=shown)


async def _update(db: Database, person: PersonDocument, fields: Document, unset: Sequence[str] = ()) -> None:
    """Change the person if the name shown is still the one read (a concurrent change wins)."""
    update: Document = {"$set": fields} if fields else {}
    if unset:
        update["$unset"] = dict.fromkeys(unset, "")
    await PEOPLE.of(db).update_one({"_id": person["_id"], "public_name": person["public_name"]}, update)


async def _approve(db: Database, person_id: ObjectId, decision: Decision) -> None:
    person = await _person(db, person_id)
    if _chosen_since(person, decision):
        return
    pending = person.get(PENDING_NAME)
    withheld = person.get(WITHHELD)
    if pending:
        await _update(
            db, person, {"public_name": pending}, (PENDING_NAME, PENDING_REASONS, WITHHELD, REDACTION)
        )
    elif withheld:
        await _update(db, person, {"public_name": withheld["name"]}, (WITHHELD,))
    # Otherwise the name is public already (a retry, or a report found nothing wrong).


async def _reject(db: Database, person_id: ObjectId, decision: Decision) -> None:
    person = await _person(db, person_id)
    if _chosen_since(person, decision):
        return
    pending = person.get(PENDING_NAME)
    if not pending:
        if person.get(WITHHELD):  # hidden after reports: it stays down, as the moderator's decision
            await _hide(db, person_id, decision)
        # A name shown is not rejected (that is HIDE): the person replaced the held one by a name
        # screened clean while the moderator judged it, and the new name was never judged.
        return
    withheld = {
        "name": pending,
        "reason_code": decision.reason_code,
        "pending_review": False,
        "at": decision.at,
    }
    await _update(db, person, {WITHHELD: withheld}, (PENDING_NAME, PENDING_REASONS))


async def _hide(
    db: Database, person_id: ObjectId, decision: Decision, *, pending_review: bool = False
) -> None:
    person = await _person(db, person_id)
    if _chosen_since(person, decision):
        return
    if person.get(PENDING_NAME):
        if not pending_review:  # a name never shown is rejected, not hidden
            await _reject(db, person_id, decision)
        return
    withheld = person.get(WITHHELD)
    if withheld:
        if not pending_review:  # a hold after reports becomes the moderator's decision
            final = {
                **withheld,
                "reason_code": decision.reason_code,
                "pending_review": False,
                "at": decision.at,
            }
            await _update(db, person, {WITHHELD: final})
        return
    withheld = {
        "name": person["public_name"],
        "reason_code": decision.reason_code,
        "pending_review": pending_review,
        "at": decision.at,
    }
    await _update(db, person, {"public_name": pseudonym(), WITHHELD: withheld})


async def _hide_pending_review(db: Database, person_id: ObjectId, decision: Decision) -> None:
    await _hide(db, person_id, decision, pending_review=True)


async def _redact(db: Database, person_id: ObjectId, decision: Decision) -> None:
    person = await _person(db, person_id)
    if _chosen_since(person, decision):
        return
    # The original is kept before the name changes; a retry finds it and redacts it again.
    original = await keep_original(
        db,
        item_id_of(PROFILE_NAME, person_id),
        PROFILE_NAME,
        person_id,
        judged_name(person),
        decision.at,
    )
    redaction = {"reason_code": decision.reason_code, "spans": len(decision.redactions), "at": decision.at}
    await _update(
        db,
        person,
        {"public_name": redact_spans(original, decision.redactions), REDACTION: redaction},
        (PENDING_NAME, PENDING_REASONS, WITHHELD),
    )


async def _restore(db: Database, person_id: ObjectId, decision: Decision) -> None:
    """Undo a redaction (an appeal overturned it): the original name back, the note gone."""
    original = await stored_original(db, item_id_of(PROFILE_NAME, person_id))
    if original is None:
        return  # the person has chosen another name since
    await PEOPLE.of(db).update_one(
        {"_id": person_id, REDACTION: {"$exists": True}},
        {"$set": {"public_name": original}, "$unset": {REDACTION: ""}},
    )


async def _check_merge(db: Database, person_id: ObjectId, target: Any) -> None:
    raise InvalidInput("a profile name cannot be merged into other content", field="mergeInto")


async def _merge(db: Database, person_id: ObjectId, decision: Decision) -> None:
    """Never reached: `_check_merge` refuses every merge of a name."""


register(
    ContentKind(
        name=PROFILE_NAME,
        carrier=PEOPLE,
        read=_read,
        on_approve=_approve,
        on_reject=_reject,
        on_hide=_hide,
        on_redact=_redact,
        on_restore=_restore,
        check_merge=_check_merge,
        on_merge=_merge,
        on_report_hide=_hide_pending_review,
    )
)
