"""Districts: who may create them, what a valid one is, and how they are listed."""

from __future__ import annotations

import pytest
from bson import ObjectId

from models.common.actors import ANONYMOUS, COMMAND_LINE, Actor, Role
from models.common.db import Database, Document
from models.common.errors import Conflict, Forbidden, InvalidInput
from models.districts import repository
from models.districts.service import NewDistrict, create_district
from tests.support.graphql_client import GraphQLClient

DISTRICTS_QUERY = """
query Districts {
  districts { id code name { zh en } population }
}
"""

CITIZEN = Actor(person_id=ObjectId(), role=Role.CITIZEN)
OFFICIAL = Actor(person_id=ObjectId(), role=Role.OFFICIAL, department_id=ObjectId())


async def make_district(db: Database, code: str = "donghu", **fields: object) -> Document:
    values: dict[str, object] = {"name_zh": "东湖区", "name_en": "Donghu District"} | fields
    return await create_district(db, COMMAND_LINE, NewDistrict(code=code, **values))  # type: ignore[arg-type]


class TestCreateDistrict:
    async def test_creates_a_district_with_its_names_and_population(self, db: Database) -> None:
        created = await make_district(db, population=538_000)

        stored = await repository.find_by_code(db, "donghu")
        assert stored is not None
        assert stored["_id"] == created["_id"]
        assert stored["name"] == {"zh": "东湖区", "en": "Donghu District"}
        assert stored["population"] == 538_000
        assert stored["created_at"].tzinfo is not None

    async def test_population_is_optional(self, db: Database) -> None:
        created = await make_district(db)

        assert created["population"] is None

    async def test_tidies_the_code_and_the_names(self, db: Database) -> None:
        created = await make_district(db, code="  DongHu ", name_zh=" 东湖区 ", name_en="Donghu   District")

        assert created["code"] == "donghu"
        assert created["name"] == {"zh": "东湖区", "en": "Donghu District"}

    @pytest.mark.parametrize("code", ["", "d", "1st-district", "east lake", "东湖", "d" * 41, "-donghu"])
    async def test_refuses_an_invalid_code(self, db: Database, code: str) -> None:
        with pytest.raises(InvalidInput) as raised:
            await make_district(db, code=code)

        assert raised.value.field == "code"

    async def test_refuses_a_missing_chinese_name(self, db: Database) -> None:
        with pytest.raises(InvalidInput) as raised:
            await make_district(db, name_zh="   ")

        assert raised.value.field == "nameZh"

    async def test_refuses_an_overlong_name(self, db: Database) -> None:
        with pytest.raises(InvalidInput) as raised:
            await make_district(db, name_en="x" * 101)

        assert raised.value.field == "nameEn"

    @pytest.mark.parametrize("population", [-1, 100_000_001])
    async def test_refuses_an_impossible_population(self, db: Database, population: int) -> None:
        with pytest.raises(InvalidInput) as raised:
            await make_district(db, population=population)

        assert raised.value.field == "population"

    async def test_refuses_a_duplicate_code(self, db: Database) -> None:
        await make_district(db)

        with pytest.raises(Conflict) as raised:
            await make_district(db, code="DONGHU", name_zh="另一个东湖区")

        assert raised.value.field == "code"
        assert len(await repository.list_districts(db)) == 1

    async def test_refuses_one_past_the_bound_of_the_list(
        self, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(repository, "MAX_DISTRICTS", 2)
        await make_district(db, code="chengguan")
        await make_district(db, code="donghu")

        with pytest.raises(Conflict):
            await make_district(db, code="xishan")

    @pytest.mark.parametrize(
        "actor", [CITIZEN, OFFICIAL, ANONYMOUS], ids=["citizen", "official", "anonymous"]
    )
    async def test_refuses_anyone_but_an_admin(self, db: Database, actor: Actor) -> None:
        with pytest.raises(Forbidden):
            await create_district(db, actor, NewDistrict(code="donghu", name_zh="东湖区"))

        assert await repository.find_by_code(db, "donghu") is None


class TestFindDistricts:
    async def test_lists_every_district_by_code(self, db: Database) -> None:
        for code in ("xishan", "chengguan", "nanpu"):
            await make_district(db, code=code)

        listed = await repository.list_districts(db)

        assert [district["code"] for district in listed] == ["chengguan", "nanpu", "xishan"]

    async def test_finds_districts_by_id(self, db: Database) -> None:
        donghu = await make_district(db, code="donghu")
        await make_district(db, code="xishan")
        unknown = ObjectId()

        found = await repository.find_by_ids(db, [donghu["_id"], unknown])

        assert list(found) == [donghu["_id"]]


class TestDistrictsQuery:
    async def test_lists_the_districts_by_code(self, db: Database, gql: GraphQLClient) -> None:
        await make_district(db, code="xishan", name_zh="西山区", name_en="", population=421_000)
        await make_district(db, code="donghu")

        data = await gql.data(DISTRICTS_QUERY)

        assert [
            {key: value for key, value in district.items() if key != "id"} for district in data["districts"]
        ] == [
            {"code": "donghu", "name": {"zh": "东湖区", "en": "Donghu District"}, "population": None},
            {"code": "xishan", "name": {"zh": "西山区", "en": None}, "population": 421_000},
        ]
        node = await gql.data(
            "query Node($id: ID!) { node(id: $id) { ... on District { code } } }",
            {"id": data["districts"][1]["id"]},
        )
        assert node == {"node": {"code": "xishan"}}
