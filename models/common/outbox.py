"""Outbox events carried inside domain documents, and their relay into the `outbox` collection."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import typing
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NotRequired, TypedDict, TypeVar, cast, overload

from pymongo import ASCENDING, IndexModel, UpdateOne
from pymongo.errors import PyMongoError

from models.common.clock import Clock, utcnow
from models.common.db import CollectionSpec, D, Database, Document, declare_collection
from models.common.repository import insert_new

log = logging.getLogger("townhall.outbox")

EVENTS_FIELD = "_outbox"
SINCE_FIELD = "_outbox_since"

PENDING = "pending"
DONE = "done"
DEAD = "dead"


class OutboxSourceDocument(TypedDict):
    collection: str  # the carrier the event was written in
    id: Any  # that document's `_id`


class OutboxRecordDocument(TypedDict, total=False):
    """One event in the outbox, from its relay to its outcome (kept until `expire_at`)."""

    _id: str  # the event's id: deterministic where a retried command must not repeat it
    v: int
    kind: str
    payload: dict[str, Any]  # read as its kind's TypedDict through `payload_of`
    source: OutboxSourceDocument
    created_at: dt.datetime
    state: str  # PENDING, DONE or DEAD
    available_at: dt.datetime  # when it may be claimed; while claimed, the lease's end
    lease_owner: str | None
    attempts: int  # claims so far, this one included
    last_error: str | None
    failed_at: dt.datetime
    done_at: dt.datetime | None
    expire_at: dt.datetime | None


OUTBOX = declare_collection(
    "outbox",
    [
        # Claiming: equality on state, then the oldest available first.
        IndexModel([("state", ASCENDING), ("available_at", ASCENDING)]),
        # Processed events expire at the time `complete` stamped, so retention is a
        # parameter of the worker, not of the index (changing it needs no collMod).
        IndexModel([("expire_at", ASCENDING)], expireAfterSeconds=0),
    ],
    document=OutboxRecordDocument,
)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Event:
    """Something a domain write caused, to be processed after it by a worker.

    Commands that must be idempotent pass a deterministic `id`: a retried command then
    produces the same event, which the outbox keeps once.
    """

    id: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex)
    kind: str
    payload: dict[str, Any] = dataclasses.field(default_factory=dict)
    created_at: dt.datetime = dataclasses.field(default_factory=utcnow)

    def __post_init__(self) -> None:
        if self.created_at.tzinfo is None:
            raise ValueError("Event.created_at must be timezone-aware")
        if not self.kind:
            raise ValueError("Event.kind must not be empty")

    def to_document(self) -> Document:
        return {
            "id": self.id,
            "kind": self.kind,
            "payload": self.payload,
            "created_at": self.created_at,
        }


# --- typed payloads: each domain's events.py declares a TypedDict per kind ---------------------

P = TypeVar("P", bound=Mapping[str, object])


class MalformedPayload(ValueError):
    """An event's payload lacks keys its kind's TypedDict requires (a writer and reader disagree)."""


@functools.cache
def _required_keys(payload_type: type[Mapping[str, object]]) -> frozenset[str]:
    required: frozenset[str] = getattr(payload_type, "__required_keys__", frozenset())
    # Under `from __future__ import annotations`, Python 3.11 counts NotRequired keys as required.
    hints = typing.get_type_hints(payload_type, include_extras=True)
    return frozenset(key for key in required if typing.get_origin(hints.get(key)) is not NotRequired)


def payload_of(payload: Mapping[str, Any], payload_type: type[P]) -> P:
    """`payload` read as its kind's TypedDict (`payload_of(event.payload, CommentReplied)`), so that
    every field a reader uses is one the writer's type declares; raises MalformedPayload when a
    required key is missing."""
    missing = _required_keys(payload_type) - payload.keys()
    if missing:
        raise MalformedPayload(f"{payload_type.__name__} payload lacks {sorted(missing)}")
    return cast(P, payload)


# --- carriers: collections whose documents may hold pending events ---------------------------

_carriers: dict[str, CollectionSpec[Any]] = {}


@overload
def declare_event_carrier(
    name: str, indexes: Sequence[IndexModel] = (), schema_version: int = 1
) -> CollectionSpec[Document]: ...


@overload
def declare_event_carrier(
    name: str, indexes: Sequence[IndexModel] = (), schema_version: int = 1, *, document: type[D]
) -> CollectionSpec[D]: ...


def declare_event_carrier(
    name: str,
    indexes: Sequence[IndexModel] = (),
    schema_version: int = 1,
    *,
    document: type[Mapping[str, Any]] = dict,
) -> CollectionSpec[Any]:
    """Declare a collection (as `declare_collection` does) whose documents may carry events.

    Adds the `_outbox_since` index the sweeper needs, and lets `relay` and `relay_stale`
    know the collection.
    """
    # Sparse: only documents with un-relayed events are in the index, so it stays tiny.
    since_index = IndexModel([(SINCE_FIELD, ASCENDING)], sparse=True)
    spec = declare_collection(name, [*indexes, since_index], schema_version, document=document)
    _carriers[name] = spec
    return spec


def event_carriers() -> tuple[CollectionSpec, ...]:
    return tuple(_carriers.values())


# --- writing events together with the domain write ------------------------------------------


def _event_documents(events: Sequence[Event]) -> list[Document]:
    ids = [event.id for event in events]
    if len(set(ids)) != len(ids):
        raise ValueError(f"events in one write must have distinct ids, got {ids}")
    return [event.to_document() for event in events]


def with_events(document: D, events: Sequence[Event]) -> D:
    """The document to insert, carrying `events` until `relay` moves them to the outbox."""
    if EVENTS_FIELD in document or SINCE_FIELD in document:
        raise ValueError(f"the document already has {EVENTS_FIELD!r}; add events once")
    if not events:
        return cast(D, dict(document))
    return cast(
        D,
        {
            **document,
            EVENTS_FIELD: _event_documents(events),
            SINCE_FIELD: min(event.created_at for event in events),
        },
    )


def _touches_outbox(path: str) -> bool:
    return any(path == name or path.startswith(f"{name}.") for name in (EVENTS_FIELD, SINCE_FIELD))


def push_events(update: Mapping[str, Any], events: Sequence[Event]) -> dict[str, Any]:
    """`update` (an update document with operators) extended to append `events` atomically."""
    if any(not key.startswith("$") for key in update):
        raise ValueError("push_events needs an update with operators ($set, …), not a replacement")
    for operator, fields in update.items():
        paths = [*fields, *(fields.values() if operator == "$rename" else ())]
        if any(_touches_outbox(str(path)) for path in paths):
            raise ValueError(f"the update already changes {EVENTS_FIELD!r} ({operator})")
    merged: dict[str, Any] = {operator: dict(fields) for operator, fields in update.items()}
    if not events:
        return merged
    merged.setdefault("$push", {})[EVENTS_FIELD] = {"$each": _event_documents(events)}
    # $min keeps the oldest pending time when events are already waiting in the document.
    merged.setdefault("$min", {})[SINCE_FIELD] = min(event.created_at for event in events)
    return merged


# --- relaying events from documents into the outbox collection ------------------------------


def _carrier(collection_name: str) -> CollectionSpec:
    try:
        return _carriers[collection_name]
    except KeyError:
        # Events in an undeclared collection would never be swept after a crash.
        raise ValueError(f"{collection_name!r} is not declared with declare_event_carrier") from None


def _outbox_record(
    event: Mapping[str, Any], collection_name: str, doc_id: Any, now: dt.datetime
) -> OutboxRecordDocument:
    return OUTBOX.new_document(
        {
            "_id": event["id"],
            "kind": event["kind"],
            "payload": event.get("payload", {}),
            "source": {"collection": collection_name, "id": doc_id},
            "created_at": event["created_at"],
            "state": PENDING,
            "available_at": now,
            "lease_owner": None,
            "attempts": 0,
            "last_error": None,
            "done_at": None,
            "expire_at": None,
        }
    )


async def _insert_once(db: Database, records: list[OutboxRecordDocument]) -> int:
    """Insert the records, counting an existing `_id` as already relayed; returns how many are new."""
    return len(await insert_new(OUTBOX.of(db), records))


async def relay(db: Database, collection_name: str, doc_id: Any, *, now: Clock = utcnow) -> int:
    """Move the document's pending events into the outbox; returns how many this call added.

    Idempotent and safe to run concurrently: the event id is the outbox `_id`, and the
    document loses only the events read here, after they are in the outbox.
    """
    collection = _carrier(collection_name).of(db)
    document = await collection.find_one({"_id": doc_id}, {EVENTS_FIELD: 1, SINCE_FIELD: 1})
    if document is None:
        return 0
    if EVENTS_FIELD not in document:
        # A stray marker without events: clear it, or the sweeper would revisit it forever.
        await collection.update_one(
            {"_id": doc_id, EVENTS_FIELD: {"$exists": False}}, {"$unset": {SINCE_FIELD: ""}}
        )
        return 0
    events: list[Document] = document[EVENTS_FIELD]
    added = 0
    if events:
        relayed_at = now()
        added = await _insert_once(
            db, [_outbox_record(event, collection_name, doc_id, relayed_at) for event in events]
        )
        ids = [event["id"] for event in events]
        await collection.update_one({"_id": doc_id}, {"$pull": {EVENTS_FIELD: {"id": {"$in": ids}}}})
    # Only when nothing was pushed meanwhile; `$size` is the filter nx-27017 evaluates correctly
    # here (an `$or`, or a `_outbox.0` path, is not honoured in its updates).
    await collection.update_one(
        {"_id": doc_id, EVENTS_FIELD: {"$size": 0}},
        {"$unset": {EVENTS_FIELD: "", SINCE_FIELD: ""}},
    )
    return added


async def relay_many(
    db: Database, collection_name: str, doc_ids: Sequence[Any], *, now: Clock = utcnow
) -> int:
    """`relay` for many documents of one collection in four commands, not four per document
    (an adoption report notifies thousands of commenters); returns how many events this added."""
    collection = _carrier(collection_name).of(db)
    ids = list(dict.fromkeys(doc_ids))
    if not ids:
        return 0
    documents = await collection.find(
        {"_id": {"$in": ids}, EVENTS_FIELD: {"$exists": True}}, {EVENTS_FIELD: 1}
    ).to_list()
    relayed_at = now()
    records = [
        _outbox_record(event, collection_name, document["_id"], relayed_at)
        for document in documents
        for event in document[EVENTS_FIELD]
    ]
    if not records:
        return 0
    added = await _insert_once(db, records)
    pulls = [
        UpdateOne(
            {"_id": document["_id"]},
            {"$pull": {EVENTS_FIELD: {"id": {"$in": [event["id"] for event in document[EVENTS_FIELD]]}}}},
        )
        for document in documents
        if document[EVENTS_FIELD]
    ]
    await collection.bulk_write(pulls, ordered=False)
    # As in `relay`: the markers go only where nothing was pushed meanwhile.
    await collection.bulk_write(
        [
            UpdateOne(
                {"_id": document["_id"], EVENTS_FIELD: {"$size": 0}},
                {"$unset": {EVENTS_FIELD: "", SINCE_FIELD: ""}},
            )
            for document in documents
        ],
        ordered=False,
    )
    return added


async def relay_or_defer(db: Database, collection_name: str, doc_id: Any, *, now: Clock = utcnow) -> int:
    """`relay` for commands right after their write: a database error leaves it to the sweeper.

    The write has succeeded by then, so the command must not report a failure for it.
    """
    try:
        return await relay(db, collection_name, doc_id, now=now)
    except PyMongoError:
        log.warning("relay deferred to the sweeper for %s %s", collection_name, doc_id, exc_info=True)
        return 0


async def relay_stale(
    db: Database,
    older_than: dt.timedelta,
    batch: int = 100,
    *,
    now: Clock = utcnow,
    carriers: Iterable[CollectionSpec] | None = None,
) -> int:
    """Relay events left in documents by a crash between write and relay; returns how many.

    Looks at up to `batch` documents per carrier whose oldest event is older than `older_than`.
    """
    cutoff = now() - older_than
    relayed = 0
    for spec in event_carriers() if carriers is None else carriers:
        cursor = (
            spec.of(db)
            .find({SINCE_FIELD: {"$lte": cutoff}}, {"_id": 1})
            .sort(SINCE_FIELD, ASCENDING)
            .limit(batch)
        )
        async for document in cursor:
            try:
                relayed += await relay(db, spec.name, document["_id"], now=now)
            except PyMongoError:
                # One failing document must not starve the others behind it.
                log.exception("relay failed for %s %s", spec.name, document["_id"])
    return relayed
