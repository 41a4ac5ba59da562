"""The one entry point of automatic screening for every kind of submission: text checks, then floods."""

from __future__ import annotations

import datetime as dt

from bson import ObjectId

from models.common.db import Database
from models.moderation.flood import fingerprint, flood_findings
from models.moderation.screening_rules import current_rules
from moderation.screening import Screening, screening_of, text_findings


async def screen_submission(
    db: Database,
    *,
    author_id: ObjectId,
    text: str,
    premoderated: bool,
    public: bool = True,
    scope: str,
    now: dt.datetime,
    previous_text: str | None = None,
) -> Screening:
    """Screen a submission (its text already normalised and length-checked) inline, in order: personal
    data (public content only), lexicon, links and repeated characters, then repeated text and
    posting rate across the author's submissions, with the admins' current rules.

    `scope` is where the content goes ("consultation:<id>"): the same text counts per scope.
    `previous_text` is given by an edit: when the text stays the same, it is not counted again.
    Every submission counts towards the author's rate, whatever else is found.
    """
    rules = await current_rules(db)
    findings = text_findings(text, public=public, rules=rules.screening)
    findings += await flood_findings(
        db,
        person_id=author_id,
        scope=scope,
        text=text,
        at=now,
        limits=rules.flood,
        count_text=previous_text is None or fingerprint(previous_text) != fingerprint(text),
    )
    return screening_of(findings, premoderated=premoderated)
