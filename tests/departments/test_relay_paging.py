"""Relay paging over departments: every item exactly once, in order, even while new ones arrive."""

from __future__ import annotations

import asyncio
import random

from strawberry.relay import to_base64

from models.common.clock import utcnow
from models.departments.documents import DEPARTMENTS
from tests.support.factories import make_department
from tests.support.graphql_client import GraphQLClient

PAGE = """
query Page($first: Int, $after: String, $last: Int, $before: String) {
  departments(first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { code } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def insert_departments(db, codes: list[str]) -> None:
    documents = [
        DEPARTMENTS.new_document(
            {
                "code": code,
                "name": {"zh": code, "en": ""},
                "parent_id": None,
                "ancestors": [],
                "created_at": utcnow(),
            }
        )
        for code in codes
    ]
    await DEPARTMENTS.of(db).insert_many(documents, ordered=False)


class TestForwardPaging:
    async def test_ten_thousand_each_exactly_once_in_order_while_new_ones_arrive(
        self, gql: GraphQLClient, db
    ) -> None:
        rng = random.Random(7)
        original = [f"d{n:05d}" for n in range(10_000)]
        await insert_departments(db, original)
        arrivals = iter(f"d{rng.randrange(100_000):05d}x{n}" for n in range(10_000))
        seen: list[str] = []
        after = None
        while True:
            page, _ = await asyncio.gather(
                gql.data(PAGE, {"first": 100, "after": after}),
                insert_departments(db, [next(arrivals) for _ in range(5)]),
            )
            connection = page["departments"]
            seen.extend(edge["node"]["code"] for edge in connection["edges"])
            if not connection["pageInfo"]["hasNextPage"]:
                break
            after = connection["pageInfo"]["endCursor"]

        assert seen == sorted(seen) and len(seen) == len(set(seen))
        assert [code for code in seen if "x" not in code] == original

    async def test_page_info_and_cursors(self, gql: GraphQLClient, db) -> None:
        await insert_departments(db, ["a1", "a2", "a3"])

        first = (await gql.data(PAGE, {"first": 2}))["departments"]
        rest = (await gql.data(PAGE, {"first": 2, "after": first["pageInfo"]["endCursor"]}))["departments"]

        assert [e["node"]["code"] for e in first["edges"]] == ["a1", "a2"]
        assert first["pageInfo"]["hasNextPage"] is True and first["pageInfo"]["hasPreviousPage"] is False
        assert first["pageInfo"]["startCursor"] == first["edges"][0]["cursor"]
        assert [e["node"]["code"] for e in rest["edges"]] == ["a3"]
        assert rest["pageInfo"] | {"startCursor": None, "endCursor": None} == {
            "hasNextPage": False,
            "hasPreviousPage": True,
            "startCursor": None,
            "endCursor": None,
        }


class TestBackwardPaging:
    async def test_last_before_walks_back_in_order(self, gql: GraphQLClient, db) -> None:
        await insert_departments(db, [f"b{n}" for n in range(7)])

        tail = (await gql.data(PAGE, {"last": 3}))["departments"]
        before = (await gql.data(PAGE, {"last": 3, "before": tail["pageInfo"]["startCursor"]}))["departments"]

        assert [e["node"]["code"] for e in tail["edges"]] == ["b4", "b5", "b6"]
        assert tail["pageInfo"]["hasPreviousPage"] is True
        assert [e["node"]["code"] for e in before["edges"]] == ["b1", "b2", "b3"]
        assert before["pageInfo"]["hasNextPage"] is True


class TestBadCursors:
    async def test_forged_cursor_is_refused(self, gql: GraphQLClient) -> None:
        response = await gql.execute(PAGE, {"first": 2, "after": "bm90LWEtY3Vyc29y"})

        assert response.errors[0]["message"] == "after is not a cursor from this list"
        assert response.errors[0]["extensions"] == {"code": "INVALID_INPUT", "field": "after"}

    async def test_first_and_last_together_are_refused(self, gql: GraphQLClient) -> None:
        response = await gql.execute(PAGE, {"first": 2, "last": 2})

        assert response.errors[0]["extensions"]["code"] == "INVALID_INPUT"


class TestNodes:
    async def test_node_and_nodes_by_global_id(self, gql: GraphQLClient, db) -> None:
        housing = await make_department(db, "housing")
        transport = await make_department(db, "transport")
        ids = [to_base64("Department", str(d["_id"])) for d in (transport, housing)]
        missing = to_base64("Department", "5f0000000000000000000000")
        malformed = to_base64("Department", "zzz")

        data = await gql.data(
            "query ($id: ID!, $ids: [ID!]!) { node(id: $id) { id ... on Department { code } } "
            "nodes(ids: $ids) { ... on Department { code } } }",
            {"id": ids[1], "ids": [*ids, missing, malformed]},
        )

        assert data["node"] == {"id": ids[1], "code": "housing"}
        assert data["nodes"] == [{"code": "transport"}, {"code": "housing"}, None, None]
