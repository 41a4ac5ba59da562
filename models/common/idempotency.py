"""Idempotency keys: a mutation retried with the same key by the same person runs once and answers alike."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypedDict

from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from models.common import leases
from models.common.clock import Clock, utcnow
from models.common.db import Database, declare_collection
from models.common.errors import Conflict, InvalidInput

log = logging.getLogger("townhall.idempotency")


class IdempotencyKeyDocument(TypedDict, total=False):
    _id: str  # sha256(actor_id ":" key)
    v: int  # schema version
    actor_id: str
    operation: str
    request_hash: str  # sha256 of the canonical operation and payload
    state: str  # "running" | "done"
    claim: str  # the running attempt's token (KEY_LEASE.owner), unset when done
    lease_until: dt.datetime  # while running (KEY_LEASE.until)
    result: dict[str, Any]  # when done
    created_at: dt.datetime
    completed_at: dt.datetime
    expires_at: dt.datetime


IDEMPOTENCY_KEYS = declare_collection(
    "idempotency_keys",
    [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="idempotency_keys_ttl")],
    document=IdempotencyKeyDocument,
)

RUNNING = "running"
DONE = "done"
RETENTION = dt.timedelta(hours=24)
# Longer than any mutation may take: a claim older than this is taken to be a crashed attempt's.
LEASE = dt.timedelta(seconds=60)
FIELD = "idempotencyKey"
# The running attempt holds the key by its claim token until `lease_until`.
KEY_LEASE = leases.LeaseFields(owner="claim")

_KEY = re.compile(r"[A-Za-z0-9_-]{1,100}")


class IdempotencyInProgress(Conflict):
    """The first request with this key is still running; try again after `retry_after` seconds."""

    code = "IN_PROGRESS"

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(
            f"a request with this idempotency key is still running; try again in {self.retry_after} seconds",
            field=FIELD,
        )


class IdempotencyKeyReused(Conflict):
    """The key was already used by this person for a different operation or payload."""

    code = "IDEMPOTENCY_KEY_REUSED"

    def __init__(self) -> None:
        super().__init__("this idempotency key was used for a different request", field=FIELD)


def _canonical(value: object) -> object:
    # Values JSON has no form for (ObjectId, datetime, enums) hash by type and text, so that
    # equal payloads always hash alike and an id never equals the string of its hex.
    return {"$type": type(value).__name__, "value": str(value)}


def request_hash(operation: str, payload: Mapping[str, Any]) -> str:
    """A hash of what is asked for, independent of the order of keys in `payload`."""
    text = json.dumps(
        {"operation": operation, "payload": payload},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=_canonical,
    )
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def key_id(actor_id: str, key: str) -> str:
    """The document id of `key` for `actor_id`: keys of different people never meet.

    ":" cannot occur in a key, so the last ":" always separates the two parts unambiguously.
    """
    return hashlib.sha256(f"{actor_id}:{key}".encode("utf-8", "surrogatepass")).hexdigest()


def _seconds_until(later: dt.datetime, now: dt.datetime) -> int:
    return max(1, -(-(later - now) // dt.timedelta(seconds=1)))


async def run_once(
    db: Database,
    *,
    key: str,
    actor_id: str,
    operation: str,
    payload: Mapping[str, Any],
    run: Callable[[], Awaitable[dict[str, Any]]],
    now: Clock = utcnow,
    lease: dt.timedelta = LEASE,
    retention: dt.timedelta = RETENTION,
) -> dict[str, Any]:
    """`run()`'s result; for a key `actor_id` used before on the same request, the stored result.

    Whatever `run()` returns is stored and replayed, so expected failures reported as results
    replay too. If `run()` raises, the key is released and a retry runs again (a failed mutation
    leaves nothing written). If the process dies or the task is cancelled, the claim stays until
    its lease ends, then a retry takes it over. Results must be BSON documents (JSON-like values,
    ObjectIds, datetimes to the millisecond).
    """
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise InvalidInput("an idempotency key is 1–100 letters, digits, '_' or '-'", field=FIELD)
    collection = IDEMPOTENCY_KEYS.of(db)
    document_id = key_id(actor_id, key)
    asked = request_hash(operation, payload)
    token = uuid.uuid4().hex

    # Each pass either claims the key, answers from it, or sees it change under it; a handful of
    # passes is plenty, as every change is another request making progress.
    for _ in range(5):
        at = now()
        try:
            await collection.insert_one(
                IDEMPOTENCY_KEYS.new_document(
                    {
                        "_id": document_id,
                        "actor_id": actor_id,
                        "operation": operation,
                        "request_hash": asked,
                        "state": RUNNING,
                        "claim": token,  # KEY_LEASE.taken(token, at + lease)
                        "lease_until": at + lease,
                        "created_at": at,
                        "expires_at": at + retention,
                    }
                )
            )
            break  # ours: a unique _id lets exactly one of concurrent first requests in
        except DuplicateKeyError:
            pass
        stored = await collection.find_one({"_id": document_id})
        if stored is None:
            continue  # released or expired since the insert failed
        if stored["expires_at"] <= at:
            # TTL deletes lazily (and on MongoDB only once a minute): treat the key as gone now.
            await collection.delete_one({"_id": document_id, "expires_at": stored["expires_at"]})
            continue
        if stored["request_hash"] != asked:
            raise IdempotencyKeyReused()
        if stored["state"] == DONE:
            result: dict[str, Any] = stored["result"]
            return result
        if stored["lease_until"] > at:
            raise IdempotencyInProgress(_seconds_until(stored["lease_until"], at))
        taken = await leases.claim(
            collection,
            token,
            match={"_id": document_id, "state": RUNNING},
            lease=lease,
            at=at,
            fields=KEY_LEASE,
        )
        if taken is not None:
            log.warning("idempotency key of %s for %s taken over after its lease ended", actor_id, operation)
            break
    else:
        raise IdempotencyInProgress(1)

    try:
        result = await run()
    except Exception:
        # Expected failures raised as DomainError (and bugs) wrote nothing: let a retry run again.
        await collection.delete_one({"_id": document_id, **KEY_LEASE.held_by(token)})
        raise
    completed = await leases.complete(
        collection,
        token,
        match={"_id": document_id},
        update={
            "$set": {"state": DONE, "result": result, "completed_at": now()},
            "$unset": {KEY_LEASE.owner: "", KEY_LEASE.until: ""},
        },
        fields=KEY_LEASE,
    )
    if not completed:
        # Our lease ran out and another attempt took the key over: it may have run twice.
        log.error(
            "idempotency key of %s for %s outlived its lease; the request may have run twice",
            actor_id,
            operation,
        )
    return result
