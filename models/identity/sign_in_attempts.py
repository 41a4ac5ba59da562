"""Password attempts per e-mail address: back-off per client address first, then a lock per e-mail.

Kept for every e-mail tried, whether or not it has an account, and walked the same way for both,
so neither the answers nor their timing tell which e-mails have staff accounts (the record is
keyed by the e-mail's hash). Following OWASP, one client address is slowed down and then shut out
of an account long before it can lock the account for everyone: a lock takes wrong passwords from
at least LOCK_AFTER_FAILURES / COUNTED_PER_ADDRESS addresses. A lock, once over, is forgotten.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import ipaddress
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from models.common.db import Database
from models.common.outbox import Event, push_events, relay_or_defer, with_events
from models.identity.documents import SIGN_IN_ATTEMPTS, AddressAttemptsDocument, SignInAttemptsDocument
from models.identity.errors import TooManyAttempts
from models.identity.events import locked_event

MAX_BACK_OFF_SECONDS = 60
ADDRESS_LOCK_AFTER = 5  # wrong passwords in a row from one address shut it out of the account
COUNTED_PER_ADDRESS = 2  # of which this many count toward the lock of the account
LOCK_AFTER_FAILURES = 10  # counted wrong passwords that lock the account (so: from 5 addresses)
LOCK_DURATION = dt.timedelta(minutes=15)
FORGET_AFTER = dt.timedelta(minutes=15)  # a record without a new failure for this long starts afresh
IPV6_PREFIX = 64  # one IPv6 client holds a whole /64: its addresses count as one


@dataclass(frozen=True)
class AddressAttempts:
    """Wrong passwords in a row from one client address at one e-mail."""

    failures: int = 0
    next_attempt_at: dt.datetime | None = None
    locked_until: dt.datetime | None = None


@dataclass(frozen=True)
class Attempts:
    """What one e-mail's record holds; `seq` is 0 while nothing is stored."""

    seq: int = 0
    failures: int = 0
    locked_until: dt.datetime | None = None
    quiet_until: dt.datetime | None = None
    addresses: Mapping[str, AddressAttempts] = field(default_factory=dict)

    def current(self, now: dt.datetime) -> Attempts:
        """The record as it stands at `now`: an ended lock or a long quiet forgets everything."""
        if _passed(self.locked_until, now) or _passed(self.quiet_until, now):
            return Attempts(seq=self.seq)
        addresses = {key: one for key, one in self.addresses.items() if not _passed(one.locked_until, now)}
        return dataclasses.replace(self, addresses=addresses)

    def refusal(self, address: str, now: dt.datetime) -> TooManyAttempts | None:
        """Why an attempt from `address` is not taken now, if it is not."""
        if self.locked_until is not None:
            minutes = _minutes(_seconds_until(self.locked_until, now))
            return TooManyAttempts(
                f"sign-in to this account is locked after repeated wrong passwords; try again in {minutes}",
                retry_after=_seconds_until(self.locked_until, now),
            )
        mine = self.addresses.get(address, AddressAttempts())
        if mine.locked_until is not None:
            minutes = _minutes(_seconds_until(mine.locked_until, now))
            return TooManyAttempts(
                f"too many wrong passwords from your network; try again in {minutes}",
                retry_after=_seconds_until(mine.locked_until, now),
            )
        if mine.next_attempt_at is not None and now < mine.next_attempt_at:
            seconds = _seconds_until(mine.next_attempt_at, now)
            return TooManyAttempts(
                f"too many wrong passwords; try again in {seconds} second{'s' if seconds != 1 else ''}",
                retry_after=seconds,
            )
        return None

    def failed(self, address: str, now: dt.datetime) -> Attempts:
        """The record after one more wrong password from `address` (current at `now`)."""
        mine = self.addresses.get(address, AddressAttempts())
        in_a_row = mine.failures + 1
        counted = self.failures + (1 if in_a_row <= COUNTED_PER_ADDRESS else 0)
        address_lock = now + LOCK_DURATION if in_a_row >= ADDRESS_LOCK_AFTER else None
        return Attempts(
            seq=self.seq + 1,
            failures=counted,
            locked_until=now + LOCK_DURATION if counted >= LOCK_AFTER_FAILURES else None,
            quiet_until=now + FORGET_AFTER,
            addresses={
                **self.addresses,
                address: AddressAttempts(in_a_row, now + back_off(in_a_row), address_lock),
            },
        )

    def succeeded(self, address: str) -> Attempts:
        """The record after the right password from `address`: the account and this address are cleared,
        other addresses stay slowed down."""
        addresses = {key: one for key, one in self.addresses.items() if key != address}
        return dataclasses.replace(self, seq=self.seq + 1, failures=0, locked_until=None, addresses=addresses)


def back_off(failures: int) -> dt.timedelta:
    """How long after its `failures`-th wrong password in a row an address takes no new attempt."""
    return dt.timedelta(seconds=min(2 ** (failures - 1), MAX_BACK_OFF_SECONDS))


def _passed(moment: dt.datetime | None, now: dt.datetime) -> bool:
    return moment is not None and now >= moment


def _seconds_until(moment: dt.datetime, now: dt.datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def _minutes(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def record_id(email: str) -> str:
    """The record's key: the normalised e-mail's hash, so tried addresses are not stored in clear."""
    return "email:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()


def address_key(address: str | None) -> str:
    """A client address as a field name: IPv6 by its /64, anything unreadable as one "unknown" client."""
    try:
        parsed = ipaddress.ip_address((address or "").strip())
    except ValueError:
        text = "unknown"
    else:
        if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
            text = str(parsed.ipv4_mapped)
        elif isinstance(parsed, ipaddress.IPv6Address):
            text = str(ipaddress.ip_network(f"{parsed}/{IPV6_PREFIX}", strict=False))
        else:
            text = str(parsed)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


# --- stored form --------------------------------------------------------------------------------


def _to_fields(attempts: Attempts) -> SignInAttemptsDocument:
    ends = [attempts.quiet_until, attempts.locked_until]
    ends += [one.locked_until for one in attempts.addresses.values()]
    return {
        "seq": attempts.seq,
        "failures": attempts.failures,
        "locked_until": attempts.locked_until,
        "quiet_until": attempts.quiet_until,
        "addresses": {
            key: cast(AddressAttemptsDocument, dataclasses.asdict(one))
            for key, one in attempts.addresses.items()
        },
        "expires_at": max((end for end in ends if end is not None), default=None),
    }


def _from_document(document: SignInAttemptsDocument | None) -> Attempts:
    if document is None:
        return Attempts()
    addresses = document.get("addresses") or {}
    return Attempts(
        seq=int(document.get("seq") or 0),
        failures=int(document.get("failures") or 0),
        locked_until=document.get("locked_until"),
        quiet_until=document.get("quiet_until"),
        addresses={key: AddressAttempts(**one) for key, one in addresses.items()},
    )


async def _load(db: Database, email: str) -> Attempts:
    return _from_document(await SIGN_IN_ATTEMPTS.of(db).find_one({"_id": record_id(email)}))


async def _store(db: Database, email: str, before: Attempts, after: Attempts, events: list[Event]) -> bool:
    """Write `after` over `before` if nobody wrote in between (compare-and-set on `seq`)."""
    collection = SIGN_IN_ATTEMPTS.of(db)
    key = record_id(email)
    fields = _to_fields(after)
    if before.seq == 0:
        try:
            await collection.insert_one(
                with_events(SIGN_IN_ATTEMPTS.new_document({"_id": key, **fields}), events)
            )
        except DuplicateKeyError:
            return False
        return True
    written = await collection.update_one(
        {"_id": key, "seq": before.seq}, push_events({"$set": fields}, events)
    )
    return written.matched_count == 1


# --- the steps of one attempt ---------------------------------------------------------------------


async def refuse_if_paused(db: Database, email: str, address: str | None, now: dt.datetime) -> Attempts:
    """The e-mail's record at `now`; raises TooManyAttempts while `address` may not try it."""
    attempts = (await _load(db, email)).current(now)
    refusal = attempts.refusal(address_key(address), now)
    if refusal is not None:
        raise refusal
    return attempts


async def claim(
    db: Database,
    email: str,
    address: str | None,
    now: dt.datetime,
    attempts: Attempts,
    *,
    account_id: ObjectId | None,
) -> None:
    """Record the attempt as a wrong password *before* the password is checked.

    One compare-and-set on the record read by `refuse_if_paused`: of concurrent attempts exactly
    one is taken and the rest are refused, so parallel guesses neither slip past the back-off nor
    go uncounted. A lock carries its notice event (`account_id` None for an e-mail without an
    account: the event is written all the same, so both take the same path and time).
    """
    after = attempts.failed(address_key(address), now)
    events = []
    if after.locked_until is not None and attempts.locked_until is None:
        events.append(
            locked_event(
                person_id=account_id, record_id=record_id(email), locked_until=after.locked_until, at=now
            )
        )
    if not await _store(db, email, attempts, after, events):
        raise TooManyAttempts(
            "another sign-in to this account is under way; try again in a moment", retry_after=1
        )
    if events:
        await relay_or_defer(db, SIGN_IN_ATTEMPTS.name, record_id(email))


async def forgive(db: Database, email: str, address: str | None, now: dt.datetime) -> None:
    """After the right password: clear the account's count and lock and this address's back-off."""
    for _ in range(3):
        before = (await _load(db, email)).current(now)
        if before.seq == 0 or await _store(db, email, before, before.succeeded(address_key(address)), []):
            return


async def lock_stands(db: Database, record: str, locked_until: dt.datetime) -> bool:
    """Whether the lock a notice is about is still in force (a right password may have lifted it)."""
    document = await SIGN_IN_ATTEMPTS.of(db).find_one({"_id": record}, {"locked_until": True})
    return document is not None and document.get("locked_until") == locked_until
