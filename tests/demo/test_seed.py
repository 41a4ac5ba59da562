"""The demo city: seeding creates it whole, through the services, and only once."""

from __future__ import annotations

from api.demo import DemoSecrets, DemoSummary, city, seed_demo
from models.common.actors import COMMAND_LINE
from models.common.db import Database, Document
from models.departments import repository as departments
from models.departments.documents import DEPARTMENTS
from models.departments.service import NewDepartment, create_department
from models.districts import repository as districts
from models.districts.documents import DISTRICTS
from models.identity import people
from models.identity.documents import PEOPLE
from models.topics.documents import TOPICS

DEMO_SECRETS = DemoSecrets(phone_key=b"k" * 32)

EXPECTED = DemoSummary(
    created=True,
    departments=len(city.DEPARTMENTS),
    districts=len(city.DISTRICTS),
    topics=len(city.TOPICS),
    people=len(city.CITIZENS) + len(city.STAFF),
)


async def everything(db: Database) -> dict[str, list[Document]]:
    return {
        spec.name: await spec.of(db).find({}, sort=[("_id", 1)]).to_list()
        for spec in (DEPARTMENTS, DISTRICTS, TOPICS, PEOPLE)
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
        )
        assert await everything(db) == before

    async def test_leaves_a_database_with_departments_alone(self, db: Database) -> None:
        await create_department(db, COMMAND_LINE, NewDepartment(code="finance", name_zh="财政局"))

        summary = await seed_demo(db, DEMO_SECRETS)

        assert summary == DemoSummary(created=False, departments=1, districts=0, topics=0)
        assert await departments.find_by_code(db, "hotline") is None


class TestDemoSummary:
    def test_describes_what_was_created(self) -> None:
        assert EXPECTED.describe() == (
            "created the demo city of Linchuan (临川市): 14 departments, 6 districts, 12 topics, 8 people"
        )

    def test_describes_a_seed_that_did_nothing(self) -> None:
        summary = DemoSummary(created=False, departments=1)

        assert summary.describe() == (
            "the database has departments already, so the demo was not seeded; "
            "it holds 1 departments, 0 districts, 0 topics, 0 people"
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
