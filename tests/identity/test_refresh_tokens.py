"""Refresh tokens: issuing, rotation, reuse detection, session expiry, and signing out."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib

import pytest
from bson import ObjectId

from models.common.clock import utcnow
from models.common.db import Database, Document
from models.identity.documents import REFRESH_TOKEN_FAMILIES, REFRESH_TOKENS
from models.identity.errors import InvalidToken
from models.identity.refresh_tokens import (
    RefreshGrant,
    RevocationReason,
    is_family_active,
    issue_refresh_token,
    revoke_all,
    revoke_family,
    rotate_refresh_token,
)

# The injected clock starts at the real time: the database's TTL indexes delete by the real clock,
# so a fixed date in the past would see every document vanish at once.
NOW = utcnow().replace(microsecond=0)
LATER = NOW + dt.timedelta(minutes=20)
PERSON = ObjectId("65f0c0ffee0000000000c0de")
OTHER_PERSON = ObjectId("65f0c0ffee0000000000beef")

UNKNOWN = "refresh token is not recognised"
REVOKED = "refresh token was revoked; sign in again"
SESSION_EXPIRED = "session has expired; sign in again"
EXPIRED = "refresh token has expired; sign in again"
REUSED = "refresh token reused; signed out everywhere on this session"


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def stored_token(db: Database, token: str) -> Document:
    document = await REFRESH_TOKENS.of(db).find_one({"hash": sha256(token)})
    assert document is not None
    return document


async def stored_family(db: Database, family_id: str) -> Document:
    document = await REFRESH_TOKEN_FAMILIES.of(db).find_one({"_id": family_id})
    assert document is not None
    return document


async def refused(db: Database, token: str, now: dt.datetime = LATER) -> InvalidToken:
    with pytest.raises(InvalidToken) as refusal:
        await rotate_refresh_token(db, token, now=now)
    return refusal.value


class TestIssueRefreshToken:
    async def test_returns_a_random_urlsafe_token_for_the_person(self, db: Database) -> None:
        grant = await issue_refresh_token(db, person_id=PERSON, now=NOW)

        assert len(grant.token) == 43
        assert set(grant.token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        assert (grant.person_id, grant.expires_at) == (PERSON, NOW + dt.timedelta(days=30))

    async def test_stores_only_the_hash_of_the_token(self, db: Database) -> None:
        grant = await issue_refresh_token(db, person_id=PERSON, now=NOW)

        stored = await stored_token(db, grant.token)
        assert {key: value for key, value in stored.items() if key != "_id"} == {
            "hash": sha256(grant.token),
            "family_id": grant.family_id,
            "issued_at": NOW,
            "expires_at": NOW + dt.timedelta(days=30),
            "family_expires_at": NOW + dt.timedelta(days=90),
            "used_at": None,
            "v": 1,
        }
        assert grant.token not in str(stored)

    async def test_starts_a_family_for_the_sign_in_session(self, db: Database) -> None:
        grant = await issue_refresh_token(db, person_id=PERSON, now=NOW)

        assert await stored_family(db, grant.family_id) == {
            "_id": grant.family_id,
            "person_id": PERSON,
            "created_at": NOW,
            "expires_at": NOW + dt.timedelta(days=90),
            "revoked_at": None,
            "revoked_reason": None,
            "v": 1,
        }

    async def test_each_sign_in_starts_its_own_family(self, db: Database) -> None:
        first = await issue_refresh_token(db, person_id=PERSON, now=NOW)
        second = await issue_refresh_token(db, person_id=PERSON, now=NOW)

        assert first.family_id != second.family_id
        assert first.token != second.token

    async def test_a_token_never_outlives_its_session(self, db: Database) -> None:
        grant = await issue_refresh_token(
            db, person_id=PERSON, now=NOW, ttl=dt.timedelta(days=30), session_lifetime=dt.timedelta(days=7)
        )

        assert grant.expires_at == NOW + dt.timedelta(days=7)


class TestRotateRefreshToken:
    async def test_returns_the_next_token_of_the_same_family(self, db: Database) -> None:
        first = await issue_refresh_token(db, person_id=PERSON, now=NOW)

        second = await rotate_refresh_token(db, first.token, now=LATER)

        assert second == RefreshGrant(
            person_id=PERSON,
            family_id=first.family_id,
            token=second.token,
            expires_at=LATER + dt.timedelta(days=30),
        )
        assert second.token != first.token

    async def test_marks_the_presented_token_used(self, db: Database) -> None:
        first = await issue_refresh_token(db, person_id=PERSON, now=NOW)

        await rotate_refresh_token(db, first.token, now=LATER)

        assert (await stored_token(db, first.token))["used_at"] == LATER

    async def test_the_new_token_rotates_in_turn(self, db: Database) -> None:
        first = await issue_refresh_token(db, person_id=PERSON, now=NOW)
        second = await rotate_refresh_token(db, first.token, now=LATER)

        third = await rotate_refresh_token(db, second.token, now=LATER + dt.timedelta(minutes=20))

        assert third.family_id == first.family_id
        assert len({first.token, second.token, third.token}) == 3

    async def test_the_old_token_stops_working(self, db: Database) -> None:
        first = await issue_refresh_token(db, person_id=PERSON, now=NOW)
        await rotate_refresh_token(db, first.token, now=LATER)

        assert (await refused(db, first.token)).message == REUSED

    async def test_an_unknown_token_is_refused(self, db: Database) -> None:
        error = await refused(db, "A" * 43)

        assert (error.code, error.message) == ("INVALID_TOKEN", UNKNOWN)

    @pytest.mark.parametrize(
        "token", ["", "short", "A" * 44, "é" * 43], ids=["empty", "short", "long", "not-ascii"]
    )
    async def test_a_malformed_token_is_refused_as_unknown(self, db: Database, token: str) -> None:
        assert (await refused(db, token)).message == UNKNOWN

    async def test_an_idle_token_past_its_expiry_is_refused(self, db: Database) -> None:
        grant = await issue_refresh_token(db, person_id=PERSON, now=NOW)

        error = await refused(db, grant.token, now=NOW + dt.timedelta(days=30))

        assert error.message == EXPIRED

    async def test_an_expired_token_is_not_marked_used(self, db: Database) -> None:
        grant = await issue_refresh_token(db, person_id=PERSON, now=NOW)

        await refused(db, grant.token, now=NOW + dt.timedelta(days=31))

        assert (await stored_token(db, grant.token))["used_at"] is None

    async def test_rotation_keeps_the_sessions_absolute_end(self, db: Database) -> None:
        grant = await issue_refresh_token(db, person_id=PERSON, now=NOW)
        for day in (20, 40, 60, 80):
            grant = await rotate_refresh_token(db, grant.token, now=NOW + dt.timedelta(days=day))

        assert grant.expires_at == NOW + dt.timedelta(days=90)
        assert (await stored_token(db, grant.token))["family_expires_at"] == NOW + dt.timedelta(days=90)

    async def test_a_session_cannot_be_kept_alive_past_its_lifetime(self, db: Database) -> None:
        grant = await issue_refresh_token(db, person_id=PERSON, now=NOW)
        for day in (20, 40, 60, 80):
            grant = await rotate_refresh_token(db, grant.token, now=NOW + dt.timedelta(days=day))

        error = await refused(db, grant.token, now=NOW + dt.timedelta(days=90))

        assert error.message == SESSION_EXPIRED

    async def test_a_token_of_a_signed_out_session_is_refused(self, db: Database) -> None:
        grant = await issue_refresh_token(db, person_id=PERSON, now=NOW)
        await revoke_family(db, grant.family_id, now=NOW)

        assert (await refused(db, grant.token)).message == REVOKED


class TestReuseDetection:
    async def test_reuse_revokes_the_whole_family(self, db: Database) -> None:
        first = await issue_refresh_token(db, person_id=PERSON, now=NOW)
        await rotate_refresh_token(db, first.token, now=LATER)

        await refused(db, first.token, now=LATER + dt.timedelta(minutes=1))

        family = await stored_family(db, first.family_id)
        assert (family["revoked_at"], family["revoked_reason"]) == (LATER + dt.timedelta(minutes=1), "reused")

    async def test_the_newest_token_of_the_family_is_refused_after_reuse(self, db: Database) -> None:
        first = await issue_refresh_token(db, person_id=PERSON, now=NOW)
        newest = await rotate_refresh_token(db, first.token, now=LATER)
        await refused(db, first.token)

        assert (await refused(db, newest.token)).message == REVOKED

    async def test_reuse_long_after_the_token_expired_is_still_detected(self, db: Database) -> None:
        first = await issue_refresh_token(db, person_id=PERSON, now=NOW)
        second = await rotate_refresh_token(db, first.token, now=NOW + dt.timedelta(days=29))
        await rotate_refresh_token(db, second.token, now=NOW + dt.timedelta(days=50))

        error = await refused(db, first.token, now=NOW + dt.timedelta(days=60))

        assert error.message == REUSED
        assert not await is_family_active(db, first.family_id, now=NOW + dt.timedelta(days=60))

    async def test_reuse_leaves_the_persons_other_sessions_alone(self, db: Database) -> None:
        phone = await issue_refresh_token(db, person_id=PERSON, now=NOW)
        tablet = await issue_refresh_token(db, person_id=PERSON, now=NOW)
        await rotate_refresh_token(db, phone.token, now=LATER)

        await refused(db, phone.token)

        assert await is_family_active(db, tablet.family_id, now=LATER)

    async def test_concurrent_rotations_of_one_token_let_exactly_one_through(self, db: Database) -> None:
        grant = await issue_refresh_token(db, person_id=PERSON, now=NOW)

        results = await asyncio.gather(
            rotate_refresh_token(db, grant.token, now=LATER),
            rotate_refresh_token(db, grant.token, now=LATER),
            return_exceptions=True,
        )

        successes = [result for result in results if isinstance(result, RefreshGrant)]
        failures = [result for result in results if isinstance(result, InvalidToken)]
        assert (len(successes), [error.message for error in failures]) == (1, [REUSED])

    async def test_concurrent_rotations_of_one_token_sign_the_session_out(self, db: Database) -> None:
        grant = await issue_refresh_token(db, person_id=PERSON, now=NOW)

        results = await asyncio.gather(
            rotate_refresh_token(db, grant.token, now=LATER),
            rotate_refresh_token(db, grant.token, now=LATER),
            return_exceptions=True,
        )

        winner = next(result for result in results if isinstance(result, RefreshGrant))
        assert (await stored_family(db, grant.family_id))["revoked_reason"] == "reused"
        assert (await refused(db, winner.token)).message == REVOKED


class TestRevokeFamily:
    async def test_signing_out_refuses_the_sessions_token(self, db: Database) -> None:
        grant = await issue_refresh_token(db, person_id=PERSON, now=NOW)

        assert await revoke_family(db, grant.family_id, now=LATER)

        assert (await refused(db, grant.token)).message == REVOKED

    async def test_records_when_and_why(self, db: Database) -> None:
        grant = await issue_refresh_token(db, person_id=PERSON, now=NOW)

        await revoke_family(db, grant.family_id, now=LATER)

        family = await stored_family(db, grant.family_id)
        assert (family["revoked_at"], family["revoked_reason"]) == (LATER, "signed_out")

    async def test_signing_out_twice_keeps_the_first_revocation(self, db: Database) -> None:
        grant = await issue_refresh_token(db, person_id=PERSON, now=NOW)
        await revoke_family(db, grant.family_id, now=LATER)

        again = await revoke_family(db, grant.family_id, now=LATER + dt.timedelta(hours=1))

        assert again is False
        assert (await stored_family(db, grant.family_id))["revoked_at"] == LATER

    async def test_an_unknown_family_is_not_revoked(self, db: Database) -> None:
        assert await revoke_family(db, "no-such-family", now=LATER) is False

    async def test_other_sessions_stay_signed_in(self, db: Database) -> None:
        phone = await issue_refresh_token(db, person_id=PERSON, now=NOW)
        tablet = await issue_refresh_token(db, person_id=PERSON, now=NOW)

        await revoke_family(db, phone.family_id, now=LATER)

        assert (await rotate_refresh_token(db, tablet.token, now=LATER)).family_id == tablet.family_id


class TestRevokeAll:
    async def test_signs_out_every_session_of_the_person(self, db: Database) -> None:
        phone = await issue_refresh_token(db, person_id=PERSON, now=NOW)
        tablet = await issue_refresh_token(db, person_id=PERSON, now=NOW)

        revoked = await revoke_all(db, PERSON, now=LATER)

        assert revoked == 2
        assert [(await refused(db, grant.token)).message for grant in (phone, tablet)] == [REVOKED, REVOKED]

    async def test_records_the_reason(self, db: Database) -> None:
        grant = await issue_refresh_token(db, person_id=PERSON, now=NOW)

        await revoke_all(db, PERSON, now=LATER)

        family = await stored_family(db, grant.family_id)
        assert (family["revoked_at"], family["revoked_reason"]) == (
            LATER,
            RevocationReason.SIGNED_OUT_EVERYWHERE,
        )

    async def test_counts_only_sessions_still_active(self, db: Database) -> None:
        signed_out = await issue_refresh_token(db, person_id=PERSON, now=NOW)
        await issue_refresh_token(db, person_id=PERSON, now=NOW)
        await revoke_family(db, signed_out.family_id, now=NOW)

        assert await revoke_all(db, PERSON, now=LATER) == 1
        assert (await stored_family(db, signed_out.family_id))["revoked_reason"] == "signed_out"

    async def test_leaves_other_people_signed_in(self, db: Database) -> None:
        await issue_refresh_token(db, person_id=PERSON, now=NOW)
        other = await issue_refresh_token(db, person_id=OTHER_PERSON, now=NOW)

        await revoke_all(db, PERSON, now=LATER)

        assert await is_family_active(db, other.family_id, now=LATER)


class TestIsFamilyActive:
    async def test_a_new_session_is_active(self, db: Database) -> None:
        grant = await issue_refresh_token(db, person_id=PERSON, now=NOW)

        assert await is_family_active(db, grant.family_id, now=LATER) is True

    async def test_a_signed_out_session_is_not(self, db: Database) -> None:
        grant = await issue_refresh_token(db, person_id=PERSON, now=NOW)
        await revoke_family(db, grant.family_id, now=LATER)

        assert await is_family_active(db, grant.family_id, now=LATER) is False

    async def test_a_session_past_its_lifetime_is_not(self, db: Database) -> None:
        grant = await issue_refresh_token(db, person_id=PERSON, now=NOW)

        assert await is_family_active(db, grant.family_id, now=NOW + dt.timedelta(days=90)) is False

    async def test_an_unknown_session_is_not(self, db: Database) -> None:
        assert await is_family_active(db, "no-such-family", now=LATER) is False
