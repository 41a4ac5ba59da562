"""Topics: who may create them, what a valid one is, its department, and how they are listed."""

from __future__ import annotations

import pytest
from bson import ObjectId

from models.common.actors import ANONYMOUS, COMMAND_LINE, Actor, Role
from models.common.db import Database, Document
from models.common.errors import Conflict, Forbidden, InvalidInput, NotFound
from models.topics import repository
from models.topics.service import NewTopic, create_topic
from tests.support.command_log import CommandLog
from tests.support.factories import make_department
from tests.support.graphql_client import GraphQLClient

TOPICS_QUERY = """
query Topics {
  topics { code name { zh en } department { code } }
}
"""

CITIZEN = Actor(person_id=ObjectId(), role=Role.CITIZEN)
MODERATOR = Actor(person_id=ObjectId(), role=Role.MODERATOR)


async def make_topic(db: Database, code: str = "bus-routes", **fields: object) -> Document:
    values: dict[str, object] = {"name_zh": "公交线路", "name_en": "Bus routes"} | fields
    return await create_topic(db, COMMAND_LINE, NewTopic(code=code, **values))  # type: ignore[arg-type]


class TestCreateTopic:
    async def test_creates_a_topic_with_its_department(self, db: Database) -> None:
        transport = await make_department(db, "transport")

        created = await make_topic(db, department_code="Transport")

        stored = await repository.find_by_code(db, "bus-routes")
        assert stored is not None
        assert stored["_id"] == created["_id"]
        assert stored["name"] == {"zh": "公交线路", "en": "Bus routes"}
        assert stored["department_id"] == transport["_id"]
        assert stored["created_at"].tzinfo is not None

    async def test_a_department_is_optional(self, db: Database) -> None:
        created = await make_topic(db)

        assert created["department_id"] is None

    async def test_refuses_a_department_that_does_not_exist(self, db: Database) -> None:
        with pytest.raises(NotFound) as raised:
            await make_topic(db, department_code="transport")

        assert raised.value.field == "departmentCode"
        assert await repository.find_by_code(db, "bus-routes") is None

    @pytest.mark.parametrize("code", ["", "b", "9-routes", "bus routes", "公交", "b" * 41])
    async def test_refuses_an_invalid_code(self, db: Database, code: str) -> None:
        with pytest.raises(InvalidInput) as raised:
            await make_topic(db, code=code)

        assert raised.value.field == "code"

    async def test_refuses_a_missing_chinese_name(self, db: Database) -> None:
        with pytest.raises(InvalidInput) as raised:
            await make_topic(db, name_zh="")

        assert raised.value.field == "nameZh"

    async def test_refuses_a_duplicate_code(self, db: Database) -> None:
        await make_topic(db)

        with pytest.raises(Conflict) as raised:
            await make_topic(db, code=" bus-routes", name_zh="公交")

        assert raised.value.field == "code"
        assert len(await repository.list_topics(db)) == 1

    async def test_refuses_one_past_the_bound_of_the_list(
        self, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(repository, "MAX_TOPICS", 1)
        await make_topic(db, code="bus-routes")

        with pytest.raises(Conflict):
            await make_topic(db, code="noise")

    @pytest.mark.parametrize(
        "actor", [CITIZEN, MODERATOR, ANONYMOUS], ids=["citizen", "moderator", "anonymous"]
    )
    async def test_refuses_anyone_but_an_admin(self, db: Database, actor: Actor) -> None:
        with pytest.raises(Forbidden):
            await create_topic(db, actor, NewTopic(code="noise", name_zh="噪声扰民"))

        assert await repository.find_by_code(db, "noise") is None


class TestFindTopics:
    async def test_lists_every_topic_by_code(self, db: Database) -> None:
        for code in ("school-enrolment", "noise", "bus-routes"):
            await make_topic(db, code=code)

        listed = await repository.list_topics(db)

        assert [topic["code"] for topic in listed] == ["bus-routes", "noise", "school-enrolment"]

    async def test_finds_topics_by_id(self, db: Database) -> None:
        noise = await make_topic(db, code="noise")
        await make_topic(db, code="parking")

        found = await repository.find_by_ids(db, [noise["_id"], ObjectId()])

        assert list(found) == [noise["_id"]]


class TestTopicsQuery:
    async def test_lists_the_topics_with_their_departments(self, db: Database, gql: GraphQLClient) -> None:
        await make_department(db, "environment")
        await make_topic(db, code="noise", name_zh="噪声扰民", name_en="Noise", department_code="environment")
        await make_topic(db, code="bus-routes", name_en="")

        data = await gql.data(TOPICS_QUERY)

        assert data["topics"] == [
            {"code": "bus-routes", "name": {"zh": "公交线路", "en": None}, "department": None},
            {
                "code": "noise",
                "name": {"zh": "噪声扰民", "en": "Noise"},
                "department": {"code": "environment"},
            },
        ]

    async def test_loads_the_departments_of_all_topics_at_once(
        self, db: Database, gql: GraphQLClient, command_log: CommandLog
    ) -> None:
        async def add_topics(numbers: range) -> None:
            for n in numbers:
                await make_department(db, f"department-{n}")
                await make_topic(db, code=f"topic-{n}", department_code=f"department-{n}")

        await add_topics(range(2))
        with command_log.count() as few:
            assert len((await gql.data(TOPICS_QUERY))["topics"]) == 2
        await add_topics(range(2, 12))
        with command_log.count() as many:
            assert len((await gql.data(TOPICS_QUERY))["topics"]) == 12

        assert few.total == many.total == 2  # the topics, then all their departments at once
