"""An append-only, hash-chained audit log of staff actions on content, and its verification."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from models.common.clock import to_bson_precision, utcnow
from models.common.db import Database
from models.common.errors import Conflict
from models.moderation.documents import AUDIT_LOG, AuditEntryDocument

GENESIS_HASH = "0" * 64
# Each lost race means another appender succeeded, so N concurrent appenders need at most N tries;
# the bound only stops a livelock, and the jittered pause keeps the losers from colliding again.
MAX_ATTEMPTS = 50


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    first_broken_seq: int | None = None
    problem: str | None = None


def _iso_ms(at: dt.datetime) -> str:
    # A client without tz_aware reads naive datetimes; stored dates are always UTC.
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).isoformat(timespec="milliseconds")


def _plain(value: Any) -> str:
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, dt.datetime):
        return _iso_ms(value)
    raise TypeError(f"{type(value).__name__} cannot go into an audit entry")


def entry_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    """sha256 of the previous hash followed by the canonical JSON of the entry's content."""
    content = {key: entry[key] for key in ("seq", "at", "actor_id", "action", "subject", "details")}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


async def append(
    db: Database,
    *,
    actor_id: ObjectId,
    action: str,
    subject: dict[str, Any],
    details: dict[str, Any],
    at: dt.datetime | None = None,
) -> AuditEntryDocument:
    """Add an entry after the last one; a racing appender's duplicate seq makes this one retry."""
    # BSON keeps milliseconds: hash what will be read back, not what was passed in.
    when = to_bson_precision(at or utcnow())
    collection = AUDIT_LOG.of(db)
    for _ in range(MAX_ATTEMPTS):
        last = await collection.find_one({}, {"seq": 1, "hash": 1}, sort=[("seq", DESCENDING)])
        seq, prev_hash = (last["seq"] + 1, last["hash"]) if last else (1, GENESIS_HASH)
        entry: AuditEntryDocument = {
            "seq": seq,
            "at": when,
            "actor_id": actor_id,
            "action": action,
            "subject": subject,
            "details": details,
            "prev_hash": prev_hash,
            "hash": "",  # set next, from the fields above
        }
        entry["hash"] = entry_hash(prev_hash, entry)
        document = AUDIT_LOG.new_document(entry)
        try:
            await collection.insert_one(document)
        except DuplicateKeyError:
            await asyncio.sleep(random.uniform(0, 0.005))
            continue
        return document
    raise Conflict("the audit log is busy; try again")


async def verify(db: Database) -> VerifyResult:
    """Walk the log in seq order and report the first entry that was changed, removed or relinked."""
    expected_seq, expected_prev = 1, GENESIS_HASH
    entries = 0
    async for entry in AUDIT_LOG.of(db).find({}, sort=[("seq", ASCENDING)]):
        seq = entry.get("seq")
        if seq != expected_seq:
            return VerifyResult(False, entries, expected_seq, f"entry {expected_seq} is missing")
        if entry.get("prev_hash") != expected_prev:
            link = f"the hash of entry {seq - 1}" if seq > 1 else "the genesis hash"
            return VerifyResult(False, entries, seq, f"entry {seq} does not link to {link}")
        try:
            recomputed = entry_hash(expected_prev, entry)
        except (KeyError, TypeError):
            recomputed = None
        if recomputed != entry.get("hash"):
            return VerifyResult(False, entries, seq, f"entry {seq} was changed after it was written")
        entries += 1
        expected_seq, expected_prev = seq + 1, entry["hash"]
    # Removing the newest entries leaves a valid shorter chain: compare the count and the last
    # hash with a copy kept elsewhere to catch that.
    return VerifyResult(True, entries)
