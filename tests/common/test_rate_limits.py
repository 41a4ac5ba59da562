"""Rate limits counted in MongoDB: windows, subjects, several processes, concurrency, settings."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from pymongo import AsyncMongoClient

from models.common.db import Database, Document, connect
from models.common.rate_limits import (
    RATE_LIMITS,
    RateLimit,
    RateLimited,
    RateLimitTable,
    Scope,
    check_all,
    hit,
    parse_rate_limits,
)

MINUTE = dt.timedelta(minutes=1)
SIGN_IN = RateLimit("signIn.address", 3, MINUTE)


class WindowClock:
    """Starts at the beginning of a coming hour (so every window lies ahead of the TTL monitor
    of a real server) and moves only when told."""

    def __init__(self) -> None:
        now = dt.datetime.now(dt.UTC)
        self.current = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=2)

    def __call__(self) -> dt.datetime:
        return self.current

    def advance(self, delta: dt.timedelta) -> None:
        self.current += delta


@pytest.fixture
def clock() -> WindowClock:
    return WindowClock()


async def attempts(db: Database, rule: RateLimit, subject: str, count: int, clock: WindowClock) -> int:
    """How many of `count` attempts in a row pass."""
    passed = 0
    for _ in range(count):
        try:
            await hit(db, rule, subject, now=clock)
        except RateLimited:
            continue
        passed += 1
    return passed


async def refusal(db: Database, rule: RateLimit, subject: str, clock: WindowClock) -> RateLimited:
    with pytest.raises(RateLimited) as refused:
        await hit(db, rule, subject, now=clock)
    return refused.value


class TestHit:
    async def test_attempts_up_to_the_limit_pass(self, db: Database, clock: WindowClock) -> None:
        assert await attempts(db, SIGN_IN, "ip:203.0.113.7", 3, clock) == 3

    async def test_the_attempt_past_the_limit_is_refused_with_the_wait_and_a_readable_message(
        self, db: Database, clock: WindowClock
    ) -> None:
        clock.advance(dt.timedelta(seconds=10))
        await attempts(db, SIGN_IN, "ip:203.0.113.7", 3, clock)

        refused = await refusal(db, SIGN_IN, "ip:203.0.113.7", clock)

        # 4 attempts (the refused one counts) in the window ending in 50 s; the next attempt passes
        # once they weigh 2 or less in the sliding window: halfway into the next one, 80 s from now.
        assert (refused.code, refused.retry_after) == ("RATE_LIMITED", 80)
        assert refused.message == "too many attempts; try again in 80 seconds"
        assert refused.rule == "signIn.address"

    @pytest.mark.parametrize(
        ("limit", "attempts_made", "at_second", "refused_at_second"),
        [
            (1, 1, 0, 0),
            (3, 3, 10, 10),
            (3, 5, 59, 59),
            (10, 10, 30, 30),
            (20, 50, 1, 1),
            (5, 5, 0, 0),
            # Refused in a new window because of the previous one: the wait is for it to slide out.
            (10, 10, 59, 60),
            (10, 10, 0, 65),
        ],
    )
    async def test_an_attempt_after_retry_after_passes_and_one_a_second_earlier_does_not(
        self,
        db: Database,
        clock: WindowClock,
        limit: int,
        attempts_made: int,
        at_second: int,
        refused_at_second: int,
    ) -> None:
        rule = RateLimit("signIn.account", limit, MINUTE)
        clock.advance(dt.timedelta(seconds=at_second))
        for subject in ("account:early", "account:on-time"):  # the same history for both
            await attempts(db, rule, subject, attempts_made, clock)
        clock.advance(dt.timedelta(seconds=refused_at_second - at_second))
        retry_after = (await refusal(db, rule, "account:on-time", clock)).retry_after
        await refusal(db, rule, "account:early", clock)

        clock.advance(dt.timedelta(seconds=retry_after - 1))
        await refusal(db, rule, "account:early", clock)
        clock.advance(dt.timedelta(seconds=1))
        await hit(db, rule, "account:on-time", now=clock)

    async def test_two_windows_later_the_full_limit_is_available_again(
        self, db: Database, clock: WindowClock
    ) -> None:
        await attempts(db, SIGN_IN, "ip:203.0.113.7", 10, clock)

        clock.advance(2 * MINUTE)

        assert await attempts(db, SIGN_IN, "ip:203.0.113.7", 4, clock) == 3

    async def test_the_previous_window_weighs_in_proportion_to_its_overlap(
        self, db: Database, clock: WindowClock
    ) -> None:
        rule = RateLimit("signIn.address", 10, MINUTE)
        clock.advance(dt.timedelta(seconds=59))
        assert await attempts(db, rule, "ip:203.0.113.7", 10, clock) == 10

        clock.advance(dt.timedelta(seconds=1))  # a new fixed window, but the burst was a second ago
        await refusal(db, rule, "ip:203.0.113.7", clock)
        # Halfway: the previous window's 10 weigh 5, and this window holds the refused attempt.
        clock.advance(dt.timedelta(seconds=30))

        assert await attempts(db, rule, "ip:203.0.113.7", 6, clock) == 4

    async def test_subjects_and_rules_are_counted_apart(self, db: Database, clock: WindowClock) -> None:
        other_rule = RateLimit("mutation.address", 3, MINUTE)
        await attempts(db, SIGN_IN, "ip:203.0.113.7", 3, clock)

        assert await attempts(db, SIGN_IN, "ip:203.0.113.8", 3, clock) == 3
        assert await attempts(db, other_rule, "ip:203.0.113.7", 3, clock) == 3

    async def test_the_counter_expires_once_the_next_window_no_longer_needs_it(
        self, db: Database, clock: WindowClock
    ) -> None:
        clock.advance(dt.timedelta(seconds=30))
        await hit(db, SIGN_IN, "ip:203.0.113.7", now=clock)

        counter = await RATE_LIMITS.of(db).find_one({})

        window_start = clock() - dt.timedelta(seconds=30)
        assert counter == {
            "_id": f"signIn.address:ip:203.0.113.7:{int(window_start.timestamp())}",
            "n": 1,
            "prev": 0,
            "window_start": window_start,
            "expires_at": window_start + 3 * MINUTE,
            "v": 1,
        }
        ttl = [
            info
            for info in (await RATE_LIMITS.of(db).index_information()).values()
            if "expireAfterSeconds" in info
        ]
        assert [(info["key"], info["expireAfterSeconds"]) for info in ttl] == [([("expires_at", 1)], 0)]

    async def test_a_hostile_subject_is_hashed_into_a_short_key_and_still_counted(
        self, db: Database, clock: WindowClock
    ) -> None:
        hostile = "ip:" + "9" * 100_000 + '\x00$.{"$gt": ""}\ud800'
        similar = "ip:" + "9" * 100_000

        assert await attempts(db, SIGN_IN, hostile, 5, clock) == 3
        assert await attempts(db, SIGN_IN, similar, 3, clock) == 3
        keys = [counter["_id"] async for counter in RATE_LIMITS.of(db).find({})]
        assert len(keys) == 2 and all(len(key) < 100 for key in keys)

    async def test_two_api_processes_share_the_count(
        self, db: Database, mongodb_uri: str, clock: WindowClock
    ) -> None:
        other_client: AsyncMongoClient[Document] = connect(mongodb_uri)
        other_process = other_client[db.name]
        try:
            await hit(db, SIGN_IN, "ip:203.0.113.7", now=clock)
            await hit(other_process, SIGN_IN, "ip:203.0.113.7", now=clock)
            await hit(db, SIGN_IN, "ip:203.0.113.7", now=clock)

            await refusal(other_process, SIGN_IN, "ip:203.0.113.7", clock)
        finally:
            await other_client.close()

    async def test_of_50_concurrent_attempts_from_two_processes_exactly_the_limit_pass(
        self, db: Database, mongodb_uri: str, clock: WindowClock
    ) -> None:
        rule = RateLimit("mutation.person", 20, MINUTE)
        other_client: AsyncMongoClient[Document] = connect(mongodb_uri)
        databases = [db, other_client[db.name]]
        try:
            outcomes = await asyncio.gather(
                *(hit(databases[n % 2], rule, "person:65f0c0ffee", now=clock) for n in range(50)),
                return_exceptions=True,
            )
        finally:
            await other_client.close()

        assert outcomes.count(None) == 20
        assert all(isinstance(outcome, RateLimited) for outcome in outcomes if outcome is not None)


class TestCheckAll:
    async def test_every_rule_counts_and_the_longest_wait_is_raised(
        self, db: Database, clock: WindowClock
    ) -> None:
        per_account = RateLimit("signIn.account", 1, MINUTE)
        per_address = RateLimit("signIn.address", 2, dt.timedelta(hours=1))
        checks = [(per_account, "account:alice"), (per_address, "ip:203.0.113.7")]
        await check_all(db, checks, now=clock)

        with pytest.raises(RateLimited) as refused:
            await check_all(db, checks, now=clock)  # the account's limit refuses; the address's does not

        # The address counted the refused attempt, so it refuses the next one, for longer.
        assert refused.value.rule == "signIn.account"
        with pytest.raises(RateLimited) as both:
            await check_all(db, checks, now=clock)
        assert both.value.rule == "signIn.address"
        assert both.value.retry_after > 3600 > refused.value.retry_after

    async def test_nothing_to_check_passes(self, db: Database, clock: WindowClock) -> None:
        await check_all(db, [], now=clock)


class TestParseRateLimits:
    def test_rules_by_name_with_windows_in_any_unit(self) -> None:
        rules = parse_rate_limits(
            " signIn.address=10/60s, signIn.account = 5/m,mutation.person=1000/1d,x=2/2h "
        )

        assert rules == {
            "signIn.address": RateLimit("signIn.address", 10, MINUTE),
            "signIn.account": RateLimit("signIn.account", 5, MINUTE),
            "mutation.person": RateLimit("mutation.person", 1000, dt.timedelta(days=1)),
            "x": RateLimit("x", 2, dt.timedelta(hours=2)),
        }

    def test_an_empty_setting_has_no_rules(self) -> None:
        assert parse_rate_limits("") == parse_rate_limits(" , ") == {}

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("signIn.address", "expected <operation>.<scope>=<limit>/<window>"),
            ("signIn.address=10", "expected <operation>.<scope>=<limit>/<window>"),
            ("signIn.address=10/60", "expected <operation>.<scope>=<limit>/<window>"),
            ("signIn.address=ten/60s", "expected <operation>.<scope>=<limit>/<window>"),
            ("signIn.address=-1/60s", "expected <operation>.<scope>=<limit>/<window>"),
            ("signIn.address=10/60w", "expected <operation>.<scope>=<limit>/<window>"),
            ("signIn.address=0/60s", "the limit must be at least 1"),
            ("signIn.address=10/0s", "the window must be whole seconds"),
            ("sign in.address=10/60s", "a rate limit name is"),
            ("=10/60s", "a rate limit name is"),
            ("signIn.address=10/60s,signIn.address=5/60s", "'signIn.address' is given twice"),
        ],
    )
    def test_a_bad_setting_says_what_is_wrong(self, text: str, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            parse_rate_limits(text)


class TestRateLimitTable:
    def test_sign_in_is_limited_per_address_and_account_and_counts_as_a_mutation(self) -> None:
        table = RateLimitTable()

        checks = table.checks("signIn", address="203.0.113.7", account="+8613800138000")

        assert [(rule.name, rule.limit, subject.split(":")[0]) for rule, subject in checks] == [
            ("signIn.address", 10, "ip"),
            ("signIn.account", 5, "account"),
            ("mutation.address", 300, "ip"),
        ]
        assert all("13800138000" not in subject for _, subject in checks)
        assert len(table.checks("signIn", account="\ud800" * 10_000)[0][1]) == len("account:") + 32

    def test_other_mutations_get_the_defaults_per_person_and_address(self) -> None:
        checks = RateLimitTable().checks("signPetition", person_id="65f0c0ffee", address="203.0.113.7")

        assert [(rule.name, subject) for rule, subject in checks] == [
            ("mutation.person", "person:65f0c0ffee"),
            ("mutation.address", "ip:203.0.113.7"),
        ]

    def test_the_setting_replaces_defaults_by_name_and_adds_operation_rules(self) -> None:
        table = RateLimitTable.from_setting("mutation.person=30/60s,signPetition.person=5/1h")

        assert [(scope, rule.name, rule.limit) for scope, rule in table.rules_for("signPetition")] == [
            (Scope.PERSON, "mutation.person", 30),
            (Scope.ADDRESS, "mutation.address", 300),
            (Scope.PERSON, "signPetition.person", 5),
        ]
        assert [rule.name for _, rule in table.rules_for("createRequest")] == [
            "mutation.person",
            "mutation.address",
        ]

    def test_a_rule_without_a_known_scope_is_refused(self) -> None:
        with pytest.raises(ValueError, match=r"must end in one of \.person, \.address, \.account"):
            RateLimitTable.from_setting("signIn.phone=5/60s")
