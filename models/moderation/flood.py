"""Floods across one person's submissions: the same text posted again and again, and posting too fast.

Kind-neutral: a submission is a person, a scope (where it goes, e.g. "consultation:<id>") and a text.
The same text counts per scope, so "支持" on three different consultations is three opinions, not a
flood; the posting rate counts per person across every scope.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import unicodedata
from dataclasses import dataclass

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from models.common.db import Database
from models.common.rate_limits import RateLimit, RateLimited, hit
from models.moderation.documents import REPEATED_TEXTS
from moderation.screening import RATE, REPEATED_TEXT

RATE_RULE_NAME = "flood.person"  # its own name, so it never shares counters with the mutation limits


@dataclass(frozen=True)
class FloodLimits:
    """When a person's submissions are held: the `repeated_text`-th identical text in a scope within
    `repeated_text_window`, and any submission past `rate_limit` within `rate_window`."""

    repeated_text: int = 3
    repeated_text_window: dt.timedelta = dt.timedelta(hours=24)
    rate_limit: int = 10
    rate_window: dt.timedelta = dt.timedelta(minutes=10)

    def rate_rule(self) -> RateLimit:
        return RateLimit(RATE_RULE_NAME, self.rate_limit, self.rate_window)


def fingerprint(text: str) -> str:
    """What makes two texts the same: letters and digits only, NFKC- and case-folded, so "支持！" and
    "支持!!" or "Yes" and "ＹＥＳ" are one text. A text of punctuation only is kept as it is."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    letters = "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")
    return letters or "".join(folded.split())


def repeat_key(person_id: ObjectId, scope: str, text: str) -> str:
    material = f"{scope}\x00{person_id}\x00{fingerprint(text)}"
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()


async def count_repeat(
    db: Database, *, person_id: ObjectId, scope: str, text: str, at: dt.datetime, window: dt.timedelta
) -> int:
    """Count one more posting of `text` by the person in `scope`; returns how often it was posted
    within `window` of the first time (this one included). One `$inc` by `_id` once it exists."""
    collection = REPEATED_TEXTS.of(db)
    key = repeat_key(person_id, scope, text)
    for _ in range(3):
        counter = await collection.find_one_and_update(
            {"_id": key, "expires_at": {"$gt": at}},
            {"$inc": {"n": 1}},
            projection={"n": True},
            return_document=ReturnDocument.AFTER,
        )
        if counter is not None:
            return int(counter["n"])
        # Not an upsert: nx-27017's find_one_and_update upsert hides duplicate-key errors.
        try:
            await collection.insert_one(
                REPEATED_TEXTS.new_document({"_id": key, "n": 1, "first_at": at, "expires_at": at + window})
            )
        except DuplicateKeyError:
            # A racing first posting, or an expired counter the TTL monitor has not removed yet:
            # restart the expired one (only one racer matches), then count in it.
            await collection.update_one(
                {"_id": key, "expires_at": {"$lte": at}},
                {"$set": {"n": 0, "first_at": at, "expires_at": at + window}},
            )
            continue
        return 1
    raise RuntimeError(f"repeated-text counter {key!r} could be neither found nor created")


async def _over_rate(db: Database, person_id: ObjectId, at: dt.datetime, limits: FloodLimits) -> bool:
    # The mutation rate limits' counter, with its own rule: a refusal there is a hold here.
    try:
        await hit(db, limits.rate_rule(), f"person:{person_id}", now=lambda: at)
    except RateLimited:
        return True
    return False


async def flood_findings(
    db: Database,
    *,
    person_id: ObjectId,
    scope: str,
    text: str,
    at: dt.datetime,
    limits: FloodLimits,
    count_text: bool = True,
) -> list[str]:
    """Count this submission and return "spam:repeated_text" and "flood:rate" when they apply.

    `count_text=False` leaves the text out (an edit that keeps the text counts only for the rate).
    """
    rate = _over_rate(db, person_id, at, limits)
    if count_text:
        repeats, over_rate = await asyncio.gather(
            count_repeat(
                db, person_id=person_id, scope=scope, text=text, at=at, window=limits.repeated_text_window
            ),
            rate,
        )
    else:
        repeats, over_rate = 0, await rate
    findings = [REPEATED_TEXT] if repeats >= limits.repeated_text else []
    return findings + ([RATE] if over_rate else [])
