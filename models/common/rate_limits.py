"""Rate limits per person, client address or account, counted in MongoDB so they hold across processes."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypedDict

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from models.common.clock import Clock, epoch_ms, utcnow
from models.common.db import Database, declare_collection
from models.common.errors import DomainError


class RateLimitDocument(TypedDict, total=False):
    """One counter per rule, subject and window."""

    _id: str  # "<rule>:<subject>:<window start, epoch seconds>"
    v: int  # schema version
    n: int  # attempts in the window, refused ones included
    prev: int  # attempts in the previous window, copied when this one started
    window_start: dt.datetime
    expires_at: dt.datetime


RATE_LIMITS = declare_collection(
    "rate_limits",
    [
        # Each counter carries its own expiry (the end of the window after its own, when it has
        # stopped mattering as the previous window), so the index deletes at that time exactly.
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="rate_limits_ttl"),
    ],
    document=RateLimitDocument,
)

EXPIRY_GRACE = dt.timedelta(minutes=1)  # leeway for clocks of API processes that disagree a little
MAX_SUBJECT_LENGTH = 100

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,31}(\.[A-Za-z][A-Za-z0-9_-]{0,31})?")
# Subjects kept readable in keys ("ip:203.0.113.7", "person:65f…"); anything else is hashed, and
# "#" starts only hashed subjects, so no readable subject can collide with a hashed one.
_READABLE_SUBJECT = re.compile(rf"[A-Za-z0-9:._@+/-]{{1,{MAX_SUBJECT_LENGTH}}}")


class RateLimited(DomainError):
    """Too many attempts; the caller may try again after `retry_after` seconds."""

    code = "RATE_LIMITED"

    def __init__(self, retry_after: int, *, rule: str = "") -> None:
        self.retry_after = max(1, retry_after)
        self.rule = rule  # for logs, not for clients: it tells which limit was crossed
        unit = "second" if self.retry_after == 1 else "seconds"
        super().__init__(f"too many attempts; try again in {self.retry_after} {unit}")


@dataclass(frozen=True)
class RateLimit:
    """At most `limit` attempts per `window`, for each subject.

    `name` is "<operation>.<scope>" in a RateLimitTable (e.g. "signIn.address"); it is part of
    every counter's key, so two rules never share counts.
    """

    name: str
    limit: int
    window: dt.timedelta

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(
                f"a rate limit name is letters, digits, _ and -, with one optional '.': {self.name!r}"
            )
        if self.limit < 1:
            raise ValueError(f"rate limit {self.name}: the limit must be at least 1, got {self.limit}")
        if self.window < dt.timedelta(seconds=1) or self.window % dt.timedelta(seconds=1):
            raise ValueError(f"rate limit {self.name}: the window must be whole seconds, got {self.window}")

    @property
    def window_ms(self) -> int:
        return self.window // dt.timedelta(milliseconds=1)


@dataclass(frozen=True)
class _Count:
    rule: RateLimit
    n: int  # attempts in the current window, this one included
    prev: int  # attempts in the previous window
    elapsed_ms: int  # time since the current window started


def subject_key(subject: str) -> str:
    """`subject` as it appears in a counter's key: readable when short and plain, else hashed."""
    if _READABLE_SUBJECT.fullmatch(subject):
        return subject
    return "#" + hashlib.sha256(subject.encode("utf-8", "surrogatepass")).hexdigest()


async def _count(db: Database, rule: RateLimit, subject: str, at: dt.datetime) -> _Count:
    """Count one attempt in the window holding `at`: one atomic `$inc` by `_id` once the window exists."""
    collection = RATE_LIMITS.of(db)
    now_ms = epoch_ms(at)
    window_ms = rule.window_ms
    start_ms = now_ms - now_ms % window_ms
    prefix = f"{rule.name}:{subject_key(subject)}:"
    key = f"{prefix}{start_ms // 1000}"
    elapsed_ms = now_ms - start_ms

    # No upsert here: nx-27017's find_one_and_update upsert drops fields and hides duplicate-key
    # errors, so the first attempt of a window inserts, and a lost insert race retries the $inc.
    for _ in range(3):
        counter = await collection.find_one_and_update(
            {"_id": key},
            {"$inc": {"n": 1}},
            projection={"n": True, "prev": True},
            return_document=ReturnDocument.AFTER,
        )
        if counter is not None:
            return _Count(rule, counter["n"], counter.get("prev", 0), elapsed_ms)
        # Copied once per window, so the hot path above reads one document only.
        previous = await collection.find_one(
            {"_id": f"{prefix}{(start_ms - window_ms) // 1000}"}, {"n": True}
        )
        prev = previous["n"] if previous else 0
        window_start = dt.datetime.fromtimestamp(start_ms / 1000, dt.UTC)
        try:
            await collection.insert_one(
                RATE_LIMITS.new_document(
                    {
                        "_id": key,
                        "n": 1,
                        "prev": prev,
                        "window_start": window_start,
                        "expires_at": window_start + 2 * rule.window + EXPIRY_GRACE,
                    }
                )
            )
        except DuplicateKeyError:
            continue  # another attempt (or process) started the window first; count in its document
        return _Count(rule, 1, prev, elapsed_ms)
    raise RuntimeError(f"rate limit counter {key!r} could be neither found nor created")


def _retry_after(count: _Count) -> int | None:
    """None if the attempt is allowed; else the seconds until one more attempt would be.

    Sliding-window approximation: the previous window's count weighs in proportion to how much of
    it still lies within one window of now, so a burst at the end of one window and another at the
    start of the next cannot together pass twice the limit.
    """
    limit, window = count.rule.limit, count.rule.window_ms
    remaining = window - count.elapsed_ms
    # In integers, scaled by the window: prev × remaining / window + n > limit.
    if count.prev * remaining + count.n * window <= limit * window:
        return None
    if count.n + 1 <= limit:
        # Later in this window, once enough of the previous one has slid out.
        wait_ms = window - (limit - count.n - 1) * window // count.prev - count.elapsed_ms
    else:
        # Into the next window, once enough of this one (refused attempts included) has slid out.
        wait_ms = remaining + window - (limit - 1) * window // count.n
    return max(1, -(-wait_ms // 1000))


async def hit(db: Database, rule: RateLimit, subject: str, *, now: Clock = utcnow) -> None:
    """Count one attempt by `subject` (e.g. "person:<id>", "ip:<address>"); raise RateLimited past the limit.

    Refused attempts count too: a client that ignores `retry_after` stays refused longer.
    """
    count = await _count(db, rule, subject, now())
    retry_after = _retry_after(count)
    if retry_after is not None:
        raise RateLimited(retry_after, rule=rule.name)


async def check_all(db: Database, checks: Sequence[tuple[RateLimit, str]], *, now: Clock = utcnow) -> None:
    """Count one attempt against every (rule, subject), then raise for the one that asks the longest wait."""
    at = now()
    # Every rule counts even when another refuses, so a per-address limit also sees attempts that a
    # per-person limit refused; the counters are separate documents, so they are counted together.
    counts = await asyncio.gather(*(_count(db, rule, subject, at) for rule, subject in checks))
    refusals = [(retry_after, count.rule.name) for count in counts if (retry_after := _retry_after(count))]
    if refusals:
        retry_after, rule = max(refusals)
        raise RateLimited(retry_after, rule=rule)


# --- settings ---------------------------------------------------------------------------------


class Scope(StrEnum):
    """Whose attempts a rule counts."""

    PERSON = "person"  # the signed-in person
    ADDRESS = "address"  # the client's network address
    ACCOUNT = "account"  # the phone number or e-mail being signed in to, before anyone is signed in


ALL_MUTATIONS = "mutation"
# Every default limit, mutations' and queries' alike. A limited query (similarComments, asked as
# people type) counts against its own rules only, so it never uses up the mutation budget.
DEFAULT_RATE_LIMITS = (
    "signIn.address=10/60s,signIn.account=5/60s,mutation.person=60/60s,mutation.address=300/60s,"
    "similarComments.person=60/60s,similarComments.address=300/60s"
)

_WINDOW_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_WINDOW = re.compile(r"(\d*)([smhd])")
_FORMAT_HINT = "expected <operation>.<scope>=<limit>/<window>, e.g. signIn.address=10/60s"


def parse_rate_limits(text: str) -> dict[str, RateLimit]:
    """Rules from a setting such as "signIn.address=10/60s,mutation.person=60/1m", by name.

    A window is a whole number and a unit (s, m, h, d); "10/m" means 10 per minute.
    """
    rules: dict[str, RateLimit] = {}
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        name, equals, value = (piece.strip() for piece in entry.partition("="))
        limit_text, slash, window_text = (piece.strip() for piece in value.partition("/"))
        window = _WINDOW.fullmatch(window_text)
        if not (equals and slash and limit_text.isdigit() and window):
            raise ValueError(f"rate limit {entry!r}: {_FORMAT_HINT}")
        if name in rules:
            raise ValueError(f"rate limit {name!r} is given twice")
        seconds = int(window.group(1) or 1) * _WINDOW_UNITS[window.group(2)]
        try:
            rules[name] = RateLimit(name, int(limit_text), dt.timedelta(seconds=seconds))
        except ValueError as error:
            raise ValueError(f"rate limit {entry!r}: {error}") from error
    return rules


@dataclass(frozen=True)
class RateLimitTable:
    """The rules per operation: "mutation.<scope>" rules count every mutation, sign-in included, and
    "<operation>.<scope>" rules add tighter limits for one operation."""

    rules: Mapping[str, RateLimit] = field(default_factory=lambda: parse_rate_limits(DEFAULT_RATE_LIMITS))

    def __post_init__(self) -> None:
        scopes = {scope.value for scope in Scope}
        for name in self.rules:
            if "." not in name or name.rpartition(".")[2] not in scopes:
                endings = ", ".join(f".{scope}" for scope in Scope)
                raise ValueError(f"rate limit {name!r}: the name must end in one of {endings}")

    @classmethod
    def from_setting(cls, text: str | None) -> RateLimitTable:
        """The defaults, with the rules of `text` (parse_rate_limits's format) added or replaced by name."""
        rules = parse_rate_limits(DEFAULT_RATE_LIMITS)
        rules.update(parse_rate_limits(text or ""))
        return cls(rules)

    def rules_for(self, operation: str, *, mutation: bool = True) -> list[tuple[Scope, RateLimit]]:
        """The rules an operation named `operation` is counted against: a mutation's own and the
        "mutation.<scope>" ones; a query's (`mutation=False`) only its own."""
        counted_as_mutation = mutation and operation != ALL_MUTATIONS
        operations = (ALL_MUTATIONS, operation) if counted_as_mutation else (operation,)
        return [
            (Scope(name.rpartition(".")[2]), rule)
            for name, rule in self.rules.items()
            if name.rpartition(".")[0] in operations
        ]

    def checks(
        self,
        operation: str,
        *,
        person_id: str | None = None,
        address: str | None = None,
        account: str | None = None,
        mutation: bool = True,
    ) -> list[tuple[RateLimit, str]]:
        """(rule, subject) pairs for `check_all`; rules whose subject is unknown here are skipped.

        `account` is hashed before it is stored, so no phone number or e-mail lands in a key; pass
        the phone's keyed hash when there is one.
        """
        subjects = {
            Scope.PERSON: f"person:{person_id}" if person_id else None,
            Scope.ADDRESS: f"ip:{address}" if address else None,
            Scope.ACCOUNT: "account:"
            + hashlib.sha256(account.encode("utf-8", "surrogatepass")).hexdigest()[:32]
            if account
            else None,
        }
        return [
            (rule, subject)
            for scope, rule in self.rules_for(operation, mutation=mutation)
            if (subject := subjects[scope])
        ]
