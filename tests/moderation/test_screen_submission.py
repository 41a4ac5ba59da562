"""screen_submission: the text checks with the stored rules, then repeated texts and posting rates."""

from __future__ import annotations

import datetime as dt

import pytest
from bson import ObjectId

from models.common.actors import Actor, Role
from models.common.clock import utcnow
from models.common.db import Database
from models.common.errors import Forbidden, InvalidInput
from models.moderation.documents import LEXICON_TERMS, REPEATED_TEXTS, SCREENING_RULES
from models.moderation.flood import FloodLimits, count_repeat, fingerprint
from models.moderation.screen import screen_submission
from models.moderation.screening_rules import (
    add_lexicon_terms,
    current_rules,
    set_allowed_link_domains,
    set_flood_limits,
)

ADMIN = Actor(person_id=ObjectId(), role=Role.ADMIN)
MODERATOR = Actor(person_id=ObjectId(), role=Role.MODERATOR)
AUTHOR = ObjectId()
SCOPE = "consultation:1"


async def screen(
    db: Database,
    text: str,
    *,
    at: dt.datetime,
    author: ObjectId = AUTHOR,
    scope: str = SCOPE,
    public: bool = True,
    previous_text: str | None = None,
) -> list[str]:
    """The reasons screening gives a submission to an open (not premoderated) place."""
    screening = await screen_submission(
        db,
        author_id=author,
        text=text,
        premoderated=False,
        public=public,
        scope=scope,
        now=at,
        previous_text=previous_text,
    )
    return screening.reasons


@pytest.fixture
def t0() -> dt.datetime:
    # Real time: the TTL index removes counters by the server's clock.
    return utcnow()


class TestRepeatedText:
    async def test_the_third_identical_text_in_a_day_is_held(self, db: Database, t0: dt.datetime) -> None:
        texts = ["支持增设充电桩！", "支持 增设充电桩", "ＳＵＰＰＯＲＴ", "支持增设充电桩。"]
        hour = dt.timedelta(hours=1)

        reasons = [await screen(db, text, at=t0 + n * hour) for n, text in enumerate(texts)]

        assert reasons == [[], [], [], ["spam:repeated_text"]]

    async def test_the_count_starts_again_after_the_window(self, db: Database, t0: dt.datetime) -> None:
        window = dt.timedelta(hours=24)
        counts = [
            await count_repeat(db, person_id=AUTHOR, scope=SCOPE, text="支持", at=at, window=window)
            for at in (
                t0,
                t0 + dt.timedelta(hours=23),
                t0 + dt.timedelta(hours=25),
                t0 + dt.timedelta(hours=26),
            )
        ]

        assert counts == [1, 2, 1, 2]

    async def test_other_people_and_other_places_count_apart(self, db: Database, t0: dt.datetime) -> None:
        for _ in range(2):
            await screen(db, "支持", at=t0)

        elsewhere = await screen(db, "支持", at=t0, scope="consultation:2")
        someone_else = await screen(db, "支持", at=t0, author=ObjectId())

        assert (elsewhere, someone_else) == ([], [])

    async def test_an_edit_that_keeps_the_text_does_not_count_it_again(
        self, db: Database, t0: dt.datetime
    ) -> None:
        await screen(db, "支持", at=t0)
        await screen(db, "支持", at=t0)

        edited = await screen(db, "支持！", at=t0, previous_text="支持")

        assert edited == []

    async def test_no_text_is_stored(self, db: Database, t0: dt.datetime) -> None:
        await screen(db, "我家住东湖小区3栋", at=t0)

        (counter,) = await REPEATED_TEXTS.of(db).find({}).to_list()
        assert set(counter) == {"_id", "n", "first_at", "expires_at", "v"}
        assert counter["n"] == 1 and len(counter["_id"]) == 64

    def test_texts_differing_in_punctuation_width_and_case_are_the_same(self) -> None:
        assert fingerprint("支持！ Yes") == fingerprint("支持!!ＹＥＳ") == "支持yes"
        assert fingerprint("！！！") == "!!!"  # punctuation only: kept, NFKC-folded


class TestRate:
    async def test_past_ten_submissions_in_ten_minutes_one_is_held(
        self, db: Database, t0: dt.datetime
    ) -> None:
        reasons = [
            await screen(db, f"第{n}条意见：东门积水", at=t0 + dt.timedelta(seconds=n)) for n in range(11)
        ]

        assert reasons[:10] == [[]] * 10
        assert reasons[10] == ["flood:rate"]

    async def test_held_submissions_count_too(self, db: Database, t0: dt.datetime) -> None:
        for n in range(10):
            await screen(db, f"打13812345678找我 {n}", at=t0)

        assert await screen(db, "一条正常的意见", at=t0) == ["flood:rate"]

    async def test_limits_admins_set_apply_at_once(self, db: Database, t0: dt.datetime) -> None:
        await set_flood_limits(
            db, ADMIN, FloodLimits(repeated_text=2, rate_limit=2, rate_window=dt.timedelta(minutes=1))
        )

        reasons = [await screen(db, "支持", at=t0) for _ in range(3)]

        assert reasons == [[], ["spam:repeated_text"], ["spam:repeated_text", "flood:rate"]]

    async def test_limits_out_of_bounds_are_refused(self, db: Database) -> None:
        with pytest.raises(InvalidInput):
            await set_flood_limits(db, ADMIN, FloodLimits(repeated_text=1))
        with pytest.raises(Forbidden):
            await set_flood_limits(db, MODERATOR, FloodLimits())


class TestOrderAndScope:
    async def test_findings_come_in_order_text_first_then_floods(self, db: Database, t0: dt.datetime) -> None:
        text = "加微信13812345678，看 www.abc.top"
        for _ in range(2):
            await screen(db, text, at=t0)

        screening = await screen_submission(
            db, author_id=AUTHOR, text=text, premoderated=True, scope=SCOPE, now=t0
        )

        assert screening.reasons == [
            "premoderated",
            "personal_data:mobile",
            "lexicon:advertising",
            "spam:link",
            "spam:repeated_text",
        ]
        assert screening.status == "PENDING" and 0.95 < screening.score < 1

    async def test_a_private_request_may_give_a_phone_number(self, db: Database, t0: dt.datetime) -> None:
        assert await screen(db, "路灯坏了，请回电13812345678", at=t0, public=False) == []


class TestRulesCache:
    async def test_a_change_made_elsewhere_applies_at_the_next_submission(
        self, db: Database, t0: dt.datetime
    ) -> None:
        assert await screen(db, "进团购群买菜", at=t0) == []
        # As another process would: the term first, then the version.
        await LEXICON_TERMS.of(db).insert_one(
            {"_id": "spam:团购群", "category": "spam", "term": "团购群", "active": True}
        )
        await SCREENING_RULES.of(db).update_one({"_id": "rules"}, {"$inc": {"version": 1}}, upsert=True)

        assert await screen(db, "进团购群买菜", at=t0, author=ObjectId()) == ["lexicon:spam"]

    async def test_rules_are_compiled_once_per_version(self, db: Database) -> None:
        first = await current_rules(db)
        again = await current_rules(db)
        await add_lexicon_terms(db, ADMIN, "spam", ["团购群"])
        changed = await current_rules(db)

        assert first is again
        assert changed is not first and changed.version == 1

    async def test_link_domains_are_replaced_whole(self, db: Database, t0: dt.datetime) -> None:
        rules = await set_allowed_link_domains(db, ADMIN, ["WWW.Example.org", "example.org", "gov.cn"])

        assert rules.allowed_domains == ["example.org", "gov.cn"]
        assert await screen(db, "见 news.example.org/a", at=t0) == []
        assert await screen(db, "见 www.people.com.cn", at=t0) == ["spam:link"]
