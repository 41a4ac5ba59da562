"""The demo city: seeding creates it whole, through the services, and only once."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from api.demo import DemoSecrets, DemoSummary, city, consultations, seed_demo
from models.common.actors import COMMAND_LINE
from models.common.clock import utcnow
from models.common.db import Database, Document
from models.consultations.documents import COMMENT_AGREES, COMMENTS, CONSULTATIONS, THEMES, Stage
from models.consultations.stages import accepts_comments
from models.departments import repository as departments
from models.departments.documents import DEPARTMENTS
from models.departments.service import NewDepartment, create_department
from models.districts import repository as districts
from models.districts.documents import DISTRICTS
from models.identity import repository as people
from models.identity.documents import PEOPLE
from models.topics.documents import TOPICS

DEMO_SECRETS = DemoSecrets(phone_key=b"k" * 32)

# Callers the hotline enters comments for are enrolled by phone as they are.
CALLERS = {comment.author for demo in consultations.CONSULTATIONS for comment in demo.comments} - {
    citizen.phone_number for citizen in city.CITIZENS
}

EXPECTED = DemoSummary(
    created=True,
    departments=len(city.DEPARTMENTS),
    districts=len(city.DISTRICTS),
    topics=len(city.TOPICS),
    people=len(city.CITIZENS) + len(city.STAFF) + len(CALLERS),
    consultations=len(consultations.CONSULTATIONS),
)


async def everything(db: Database) -> dict[str, list[Document]]:
    return {
        spec.name: await spec.of(db).find({}, sort=[("_id", 1)]).to_list()
        for spec in (DEPARTMENTS, DISTRICTS, TOPICS, PEOPLE, CONSULTATIONS, COMMENTS, THEMES)
    }


async def department(db: Database, code: str) -> Document:
    found = await departments.find_by_code(db, code)
    assert found is not None, code
    return found


class TestSeedDemo:
    async def test_creates_the_whole_city(self, db: Database) -> None:
        summary = await seed_demo(db, DEMO_SECRETS)

        assert summary == EXPECTED
        assert (summary.departments, summary.districts, summary.topics) == (14, 6, 12)
        assert (summary.people, summary.consultations) == (10, 3)
        stored = await everything(db)
        assert len(stored["departments"]) == summary.departments
        assert len(stored["districts"]) == summary.districts
        assert len(stored["topics"]) == summary.topics

    async def test_builds_the_department_tree(self, db: Database) -> None:
        await seed_demo(db, DEMO_SECRETS)

        city_office = await department(db, "city-office")
        hotline = await department(db, "hotline")
        public_security = await department(db, "public-security")
        traffic_police = await department(db, "traffic-police")
        assert city_office["parent_id"] is None
        assert hotline["parent_id"] == city_office["_id"]
        assert traffic_police["ancestors"] == [city_office["_id"], public_security["_id"]]

    async def test_gives_every_topic_its_department(self, db: Database) -> None:
        await seed_demo(db, DEMO_SECRETS)

        stored = await everything(db)
        by_id = {document["_id"]: document["code"] for document in stored["departments"]}
        assert {topic["code"]: by_id.get(topic["department_id"]) for topic in stored["topics"]} == {
            topic.code: topic.department_code for topic in city.TOPICS
        }

    async def test_a_second_seed_changes_nothing(self, db: Database) -> None:
        await seed_demo(db, DEMO_SECRETS)
        before = await everything(db)

        summary = await seed_demo(db, DEMO_SECRETS)

        assert summary == DemoSummary(
            created=False,
            departments=EXPECTED.departments,
            districts=EXPECTED.districts,
            topics=EXPECTED.topics,
            people=EXPECTED.people,
            consultations=EXPECTED.consultations,
        )
        assert await everything(db) == before

    async def test_leaves_a_database_with_departments_alone(self, db: Database) -> None:
        await create_department(db, COMMAND_LINE, NewDepartment(code="finance", name_zh="财政局"))

        summary = await seed_demo(db, DEMO_SECRETS)

        assert summary == DemoSummary(created=False, departments=1, districts=0, topics=0)
        assert await departments.find_by_code(db, "hotline") is None
        assert await CONSULTATIONS.of(db).count_documents({}) == 0


class TestDemoSummary:
    def test_describes_what_was_created(self) -> None:
        assert EXPECTED.describe() == (
            "created the demo city of Linchuan (临川市): "
            "14 departments, 6 districts, 12 topics, 10 people, 3 consultations"
        )

    def test_describes_a_seed_that_did_nothing(self) -> None:
        summary = DemoSummary(created=False, departments=1)

        assert summary.describe() == (
            "the database has departments already, so the demo was not seeded; "
            "it holds 1 departments, 0 districts, 0 topics, 0 people, 0 consultations"
        )


class TestDemoPeople:
    async def test_citizens_are_stored_by_phone_hash_with_their_district(self, db: Database) -> None:
        await seed_demo(db, DEMO_SECRETS)

        citizen = await people.find_by_phone(db, DEMO_SECRETS.phone_key, "+8613800000002")

        assert citizen is not None
        assert citizen["public_name"] == "西山李阿姨"
        assert citizen["phone"]["last4"] == "0002"
        assert "+8613800000002" not in str(citizen)
        district = await districts.find_by_code(db, "xishan")
        assert district is not None
        assert citizen["preferences"]["district_id"] == district["_id"]

    async def test_staff_belong_to_their_departments(self, db: Database) -> None:
        await seed_demo(db, DEMO_SECRETS)

        official = await people.find_by_email(db, "zhang.wei@housing.linchuan.gov.cn")
        housing = await departments.find_by_code(db, "housing")

        assert official is not None and housing is not None
        assert (official["role"], official["department_id"]) == ("official", housing["_id"])
        assert official["password"].startswith("scrypt$")


async def consultation(db: Database, title: str) -> Document:
    found = await CONSULTATIONS.of(db).find_one({"title": title})
    assert found is not None, title
    return found


async def comments_on(db: Database, consultation: Document) -> list[Document]:
    return (
        await COMMENTS.of(db).find({"consultation_id": consultation["_id"]}, sort=[("page_key", 1)]).to_list()
    )


def recount(comments: list[Document]) -> dict[str, object]:
    """The counters a consultation's published comments add up to."""
    published = [comment for comment in comments if comment["status"] == "PUBLISHED"]
    return {
        "comments": len(published),
        "commenters": len({comment["author_id"] for comment in published}),
        "stances": {
            stance: sum(comment["stance"] == stance for comment in published)
            for stance in ("SUPPORT", "OPPOSE", "SUGGESTION")
        },
        "clauses": dict(Counter(c["clause_id"] for c in published if c["clause_id"] is not None)),
    }


class TestDemoConsultations:
    async def test_one_is_open_one_concluded_and_one_a_draft_nobody_else_sees(self, db: Database) -> None:
        await seed_demo(db, DEMO_SECRETS)

        stored = await CONSULTATIONS.of(db).find({}).to_list()

        assert {c["title"]: c["stage"] for c in stored} == {
            consultations.E_BIKES.title: Stage.OPEN,
            consultations.OLD_COMPOUNDS.title: Stage.CONCLUDED,
            consultations.NOISE.title: Stage.DRAFT,
        }
        draft = await consultation(db, consultations.NOISE.title)
        environment = await department(db, "environment")
        assert (draft["department_id"], draft["published_at"], draft["publish_at"]) == (
            environment["_id"],
            None,
            None,
        )

    async def test_the_open_one_takes_comments_for_about_two_more_weeks(self, db: Database) -> None:
        now = dt.datetime(2026, 11, 25, 19, 14, tzinfo=dt.UTC)
        await seed_demo(db, DEMO_SECRETS, now=lambda: now)

        e_bikes = await consultation(db, consultations.E_BIKES.title)

        assert accepts_comments(e_bikes, now)
        assert e_bikes["published_at"] == dt.datetime(2026, 11, 10, 1, 0, tzinfo=dt.UTC)  # 09:00 in Linchuan
        assert e_bikes["closes_at"] == dt.datetime(2026, 12, 10, 10, 0, tzinfo=dt.UTC)  # 18:00
        assert len(e_bikes["clauses"]) == 10
        assert [clause["label"] for clause in e_bikes["clauses"]][::9] == ["第一条", "第十条"]

    async def test_the_open_ones_counters_match_its_comments(self, db: Database) -> None:
        await seed_demo(db, DEMO_SECRETS)

        e_bikes = await consultation(db, consultations.E_BIKES.title)
        comments = await comments_on(db, e_bikes)

        assert len(comments) == len(consultations.E_BIKES.comments) == 13
        assert e_bikes["counters"] == recount(comments)
        assert e_bikes["counters"]["commenters"] == 4
        assert all(count > 0 for count in e_bikes["counters"]["stances"].values())
        assert all(
            e_bikes["opens_at"] <= c["created_at"] < min(e_bikes["closes_at"], utcnow()) for c in comments
        )
        assert [c["created_at"] for c in comments] == sorted(c["created_at"] for c in comments)

    async def test_agrees_match_the_counts_and_none_is_for_ones_own(self, db: Database) -> None:
        await seed_demo(db, DEMO_SECRETS)

        e_bikes = await consultation(db, consultations.E_BIKES.title)
        comments = await comments_on(db, e_bikes)
        agrees = (
            await COMMENT_AGREES.of(db).find({"comment_id": {"$in": [c["_id"] for c in comments]}}).to_list()
        )

        by_comment = Counter(agree["comment_id"] for agree in agrees)
        authors = {c["_id"]: c["author_id"] for c in comments}
        assert {c["_id"]: c["agree_count"] for c in comments if c["agree_count"]} == dict(by_comment)
        assert sum(by_comment.values()) == 9
        assert all(agree["person_id"] != authors[agree["comment_id"]] for agree in agrees)

    async def test_the_transport_official_answered_one_comment(self, db: Database) -> None:
        await seed_demo(db, DEMO_SECRETS)

        e_bikes = await consultation(db, consultations.E_BIKES.title)
        replied = [c for c in await comments_on(db, e_bikes) if c["reply"]]
        official = await people.find_by_email(db, "liu.fang@transport.linchuan.gov.cn")

        assert official is not None
        assert [(c["stance"], c["reply"]["official_id"]) for c in replied] == [("OPPOSE", official["_id"])]

    async def test_the_assisted_comment_came_by_hotline_through_the_helper(self, db: Database) -> None:
        await seed_demo(db, DEMO_SECRETS)

        e_bikes = await consultation(db, consultations.E_BIKES.title)
        assisted = [c for c in await comments_on(db, e_bikes) if c["helper_id"] is not None]
        helper = await people.find_by_email(db, consultations.HOTLINE_HELPER)
        caller = await people.find_by_phone(db, DEMO_SECRETS.phone_key, consultations.HOTLINE_CALLER)

        assert helper is not None and caller is not None
        assert [(c["channel"], c["helper_id"], c["author_id"]) for c in assisted] == [
            ("HOTLINE", helper["_id"], caller["_id"])
        ]
        assert helper["role"] == "helper"
        # Enrolled by the helper: a citizen who has never signed in.
        assert (caller["role"], caller.get("firebase_uid")) == ("citizen", None)

    async def test_the_concluded_report_gives_every_comment_an_outcome(self, db: Database) -> None:
        await seed_demo(db, DEMO_SECRETS)

        concluded = await consultation(db, consultations.OLD_COMPOUNDS.title)
        comments = await comments_on(db, concluded)
        report = concluded["report"]

        assert len(comments) == 8
        assert concluded["counters"] == recount(comments)
        assert report["comments"] == concluded["counters"]["comments"] == 8
        assert all(c["outcome"] and c["outcome"]["reason"] for c in comments)
        assert report["outcomes"] == {
            outcome: sum(c["outcome"]["code"] == outcome for c in comments)
            for outcome in ("ADOPTED", "PARTLY_ADOPTED", "NOT_ADOPTED", "NOTED")
        }
        assert report["outcomes"] == {"ADOPTED": 3, "PARTLY_ADOPTED": 3, "NOT_ADOPTED": 1, "NOTED": 1}
        assert report["summary"].startswith("本次征求意见为期三十天，共收到3位市民的8条意见")
        labels = {clause["id"]: clause["label"] for clause in concluded["clauses"]}
        assert [labels[c] for c in report["changed_clause_ids"]] == ["第四条", "第五条", "第六条", "第七条"]

    async def test_the_report_groups_comments_in_two_themes_and_came_on_time(self, db: Database) -> None:
        await seed_demo(db, DEMO_SECRETS)

        concluded = await consultation(db, consultations.OLD_COMPOUNDS.title)
        themes = await THEMES.of(db).find({"consultation_id": concluded["_id"]}).to_list()
        comments = await comments_on(db, concluded)

        in_theme = Counter(c["outcome"].get("theme_id") for c in comments)
        assert sorted(in_theme[theme["_id"]] for theme in themes) == [2, 3]
        assert in_theme[None] == 3  # answered one by one
        assert concluded["closed_at"] == concluded["closes_at"]
        assert concluded["closed_at"] < concluded["report"]["published_at"] <= concluded["report_due_at"]
        assert concluded["report_overdue"] is False
        assert concluded["report"]["published_at"] < utcnow()
