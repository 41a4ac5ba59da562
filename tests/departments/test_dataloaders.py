"""A list of departments with their parents takes the same number of DB commands at any length."""

from __future__ import annotations

from tests.support.command_log import CommandLog
from tests.support.factories import make_department
from tests.support.graphql_client import GraphQLClient

WITH_PARENTS = """
{ departments(first: 100) { edges { node { code parent { code parent { code } } } } } }
"""


async def build_tree(db, branches: int) -> None:
    await make_department(db, "city")
    for n in range(branches):
        await make_department(db, f"bureau-{n:03d}", parent_code="city")
        await make_department(db, f"office-{n:03d}", parent_code=f"bureau-{n:03d}")


class TestNoNPlusOne:
    async def test_parents_load_in_constant_commands(
        self, gql: GraphQLClient, db, command_log: CommandLog
    ) -> None:
        await build_tree(db, 2)
        with command_log.count() as small:
            small_data = await gql.data(WITH_PARENTS)
        await build_tree_more(db, 2, 40)
        with command_log.count() as large:
            large_data = await gql.data(WITH_PARENTS)

        assert len(small_data["departments"]["edges"]) == 5
        assert len(large_data["departments"]["edges"]) == 81
        # The page, then one batch of parents; every grandparent is among them, so cached.
        assert small.commands == large.commands == [("find", "departments")] * 2
        office = next(
            e["node"] for e in large_data["departments"]["edges"] if e["node"]["code"] == "office-039"
        )
        assert office == {"code": "office-039", "parent": {"code": "bureau-039", "parent": {"code": "city"}}}


async def build_tree_more(db, start: int, stop: int) -> None:
    for n in range(start, stop):
        await make_department(db, f"bureau-{n:03d}", parent_code="city")
        await make_department(db, f"office-{n:03d}", parent_code=f"bureau-{n:03d}")
