"""Paging a consultation's comments: each once, in order, while new ones arrive; in constant DB commands."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from bson import ObjectId

from models.common.clock import utcnow
from models.common.db import Database, Document
from models.consultations.comments import agree_key, comment_document
from models.consultations.documents import COMMENT_AGREES, COMMENTS, CommentStatus, Stance
from models.identity.documents import PEOPLE
from tests.consultations.comment_support import citizen, gid, run
from tests.consultations.drafts import make_city, make_open
from tests.support.command_log import CommandLog
from tests.support.graphql_client import GraphQLClient

PAGE = """
query ($id: ID!, $first: Int, $after: String, $last: Int, $before: String, $clauseId: String) {
  consultationComments(consultationId: $id, first: $first, after: $after, last: $last, before: $before,
                       clauseId: $clauseId) {
    edges { node { text } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""
WITH_AUTHORS = """
query ($id: ID!, $first: Int) {
  consultationComments(consultationId: $id, first: $first) {
    edges { node { text agreeCount agreedByMe author { publicName } } }
  }
}
"""


async def insert_comments(
    db: Database,
    consultation: Document,
    texts: list[str],
    *,
    authors: list[ObjectId] | None = None,
    status: CommentStatus = CommentStatus.PUBLISHED,
    clause_id: str | None = "c1",
) -> list[Document]:
    """Comments stored as submitComment stores them, in bulk."""
    author_cycle = itertools.cycle(authors or [ObjectId()])
    documents = [
        comment_document(
            consultation,
            clause_id=clause_id,
            stance=Stance.SUGGESTION,
            text=text,
            author_id=next(author_cycle),
            status=status,
            created_at=utcnow(),
        )
        for text in texts
    ]
    await COMMENTS.of(db).insert_many(documents, ordered=False)
    return documents


def texts(data: dict[str, Any]) -> list[str]:
    return [edge["node"]["text"] for edge in data["consultationComments"]["edges"]]


class TestForwardPaging:
    async def test_ten_thousand_each_exactly_once_in_order_while_new_ones_arrive(
        self, gql: GraphQLClient, db
    ) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        neighbour = await make_open(db, city["housing"])
        original = [f"n{n:05d}" for n in range(10_000)]
        for start in range(0, len(original), 2_000):
            await insert_comments(db, consultation, original[start : start + 2_000])
        # Neither another consultation's comments nor someone else's pending ones belong here.
        await insert_comments(db, neighbour, ["elsewhere"] * 50)
        await insert_comments(db, consultation, ["pending"] * 50, status=CommentStatus.PENDING)
        arrivals = (f"x{n:05d}" for n in itertools.count())
        seen: list[str] = []
        after = None
        variables = {"id": gid("Consultation", consultation), "first": 100}
        while True:
            page, _ = await asyncio.gather(
                run(gql, PAGE, {**variables, "after": after}, {}),
                insert_comments(db, consultation, [next(arrivals) for _ in range(5)]),
            )
            seen.extend(texts(page))
            info = page["consultationComments"]["pageInfo"]
            if not info["hasNextPage"]:
                break
            after = info["endCursor"]

        assert len(seen) == len(set(seen))
        assert [text for text in seen if text.startswith("n")] == original
        assert seen[: len(original)] == original  # arrivals come after, in the order they came
        assert [text for text in seen if text.startswith("x")] == sorted(t for t in seen if t.startswith("x"))
        assert not {"elsewhere", "pending"} & set(seen)


class TestBackwardPagingAndClauses:
    async def test_last_before_and_one_clause(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        await insert_comments(db, consultation, [f"a{n}" for n in range(5)], clause_id="c1")
        await insert_comments(db, consultation, [f"b{n}" for n in range(3)], clause_id="c2")
        variables = {"id": gid("Consultation", consultation)}

        tail = await run(gql, PAGE, {**variables, "last": 3}, {})
        before = await run(
            gql,
            PAGE,
            {**variables, "last": 3, "before": tail["consultationComments"]["pageInfo"]["startCursor"]},
            {},
        )
        clause = await run(gql, PAGE, {**variables, "first": 10, "clauseId": "c2"}, {})

        assert texts(tail) == ["b0", "b1", "b2"]
        assert tail["consultationComments"]["pageInfo"]["hasPreviousPage"] is True
        assert texts(before) == ["a2", "a3", "a4"]
        assert texts(clause) == ["b0", "b1", "b2"]


class TestNoNPlusOne:
    async def test_a_page_with_authors_and_agreements_takes_constant_commands(
        self, gql: GraphQLClient, db, command_log: CommandLog
    ) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        viewer, headers = await citizen(db)
        authors = [(await citizen(db, f"+86139000{n:05d}"))[0]["_id"] for n in range(60)]
        comments = await insert_comments(db, consultation, [f"c{n:02d}" for n in range(60)], authors=authors)
        agreed = comments[::3]
        await COMMENT_AGREES.of(db).insert_many(
            [
                {
                    "_id": agree_key(c["_id"], viewer["_id"]),
                    "comment_id": c["_id"],
                    "person_id": viewer["_id"],
                }
                for c in agreed
            ]
        )
        await COMMENTS.of(db).update_many(
            {"_id": {"$in": [c["_id"] for c in agreed]}}, {"$set": {"agree_count": 1}}
        )
        variables = {"id": gid("Consultation", consultation)}

        used = []
        pages = []
        for size in (5, 20, 60):
            with command_log.count() as counted:
                pages.append(await run(gql, WITH_AUTHORS, {**variables, "first": size}, headers))
            used.append(counted.commands)

        assert used[1] == [
            ("find", "refresh_token_families"),  # the access token's session…
            ("find", PEOPLE.name),  # …and its person
            ("find", COMMENTS.name),  # the page
            ("find", COMMENT_AGREES.name),  # one `$in` for the viewer's agreements
            ("find", PEOPLE.name),  # one batch of authors
        ]
        assert used[0] == used[1] == used[2]
        nodes = [edge["node"] for edge in pages[2]["consultationComments"]["edges"]]
        assert len(nodes) == 60
        assert [n["agreedByMe"] for n in nodes] == [i % 3 == 0 for i in range(60)]
        assert [n["agreeCount"] for n in nodes] == [1 if i % 3 == 0 else 0 for i in range(60)]
        names = {p["_id"]: p["public_name"] async for p in PEOPLE.of(db).find({"_id": {"$in": authors}})}
        assert [n["author"]["publicName"] for n in nodes] == [names[a] for a in authors]


class TestMyComments:
    async def test_own_comments_across_consultations_oldest_first(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        first, second = await make_open(db, city["housing"]), await make_open(db, city["transport"])
        me, headers = await citizen(db)
        await insert_comments(db, first, ["mine-1"], authors=[me["_id"]])
        await insert_comments(db, second, ["mine-2"], authors=[me["_id"]], status=CommentStatus.PENDING)
        await insert_comments(db, first, ["someone else's"])

        data = await run(gql, "{ myComments(first: 10) { edges { node { text status } } } }", {}, headers)
        anonymous = await run(gql, "{ myComments { edges { node { text } } } }", {}, {})

        assert [edge["node"] for edge in data["myComments"]["edges"]] == [
            {"text": "mine-1", "status": "PUBLISHED"},
            {"text": "mine-2", "status": "PENDING"},
        ]
        assert anonymous["myComments"] is None
