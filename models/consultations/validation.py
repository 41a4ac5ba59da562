"""What officials write into a consultation, checked: title, summary, reasons, times, codes; and the
search terms of its text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bson import ObjectId

from models.common.clock import to_bson_precision
from models.common.db import CollectionSpec, Database, Document
from models.common.errors import InvalidInput, NotFound
from models.common.repository import find_by_keys
from models.consultations.clauses import ClauseText
from models.consultations.search import search_terms

MAX_TITLE_LENGTH = 120
MAX_SUMMARY_LENGTH = 300
MAX_REASON_LENGTH = 500


def title(value: str) -> str:
    title = " ".join(value.split())
    if not title:
        raise InvalidInput("a title is required", field="title")
    if len(title) > MAX_TITLE_LENGTH:
        raise InvalidInput(f"a title can be at most {MAX_TITLE_LENGTH} characters", field="title")
    return title


def summary(value: str) -> str:
    summary = value.strip()
    if not summary:
        raise InvalidInput("a plain-language summary is required: citizens read it first", field="summary")
    if len(summary) > MAX_SUMMARY_LENGTH:
        raise InvalidInput(f"a summary can be at most {MAX_SUMMARY_LENGTH} characters", field="summary")
    return summary


def reason(value: str, field: str = "reason") -> str:
    reason = value.strip()
    if not reason:
        raise InvalidInput("a reason is required: citizens are shown it", field=field)
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput(f"a reason can be at most {MAX_REASON_LENGTH} characters", field=field)
    return reason


def moment(value: dt.datetime | None, field: str) -> dt.datetime:
    if value is None:
        raise InvalidInput("a time is required", field=field)
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput("give the time with its time zone, e.g. 2025-09-01T09:00:00+08:00", field=field)
    # BSON keeps milliseconds; truncating here makes the stored and the returned time agree.
    return to_bson_precision(value.astimezone(dt.UTC))


def window(opens_at: dt.datetime, closes_at: dt.datetime, now: dt.datetime) -> None:
    if closes_at <= opens_at:
        raise InvalidInput("the closing time must be after the opening time", field="closesAt")
    if closes_at <= now:
        raise InvalidInput("the closing time must be in the future", field="closesAt")


async def ids_by_code(
    db: Database, spec: CollectionSpec, codes: Sequence[str], field: str, noun: str
) -> list[ObjectId]:
    """The ids of the districts or topics with these codes, in the order given (NotFound for any unknown)."""
    wanted = list(dict.fromkeys(code.strip().lower() for code in codes))
    found = await find_by_keys(spec.of(db), "code", wanted)
    missing = [code for code in wanted if code not in found]
    if missing:
        raise NotFound(f"no {noun} has the code {missing[0]!r}", field=field)
    return [found[code]["_id"] for code in wanted]


def no_ids(clauses: Sequence[ClauseText]) -> Sequence[ClauseText]:
    if any(clause.id is not None for clause in clauses):
        raise InvalidInput("a new draft's clauses get their ids when it is created", field="clauses.id")
    return clauses


def consultation_search_terms(title: str, summary: str, clauses: Sequence[Document]) -> list[str]:
    return search_terms("\n".join([title, summary, *(f"{c['label']} {c['text']}" for c in clauses)]))
