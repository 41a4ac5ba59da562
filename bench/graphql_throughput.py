"""Prints requests per second for typical GraphQL reads through the full ASGI stack on the embedded database.

Run: `.venv/bin/python bench/graphql_throughput.py [--seconds 5] [--concurrency 8]`. Traffic stays
in-process (httpx's ASGI transport); the numbers measure Townhall, not a network.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import httpx

from api.app import create_app
from api.embedded_db import EmbeddedDatabase
from api.settings import Settings
from models.catalog import ensure_indexes
from models.common.actors import COMMAND_LINE
from models.common.db import connect
from models.departments.service import NewDepartment, create_department
from models.identity.citizens import find_or_create_citizen
from models.identity.sessions import start_session

CASES = {
    "serverTime": "query ServerTime { serverTime }",
    "20 departments": "query Page { departments(first: 20) { edges { node { id code name { zh en } } } } }",
    "20 departments + parent": (
        "query PageWithParents { departments(first: 20) "
        "{ edges { node { id code name { zh en } parent { code } } } } }"
    ),
    "introspection-free node": "query Node($id: ID!) { node(id: $id) { id } }",
    "me (signed in)": "query Me { me { phoneLast4 person { publicName } } }",
}


async def measure(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, str],
    seconds: float,
    concurrency: int,
    headers: dict[str, str],
) -> float:
    done = 0
    deadline = time.perf_counter() + seconds

    async def loop() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            response = await client.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
            if response.status_code != 200 or "errors" in response.json():
                raise SystemExit(f"benchmark request failed: {response.text[:300]}")
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(concurrency)))
    return done / (time.perf_counter() - started)


async def main(seconds: float, concurrency: int, uri: str) -> None:
    client = connect(uri)
    db = client["bench"]
    await client.drop_database("bench")
    await ensure_indexes(db)
    await create_department(db, COMMAND_LINE, NewDepartment(code="city", name_zh="市政府"))
    last = None
    for n in range(60):
        last = await create_department(
            db, COMMAND_LINE, NewDepartment(code=f"bureau-{n:02d}", name_zh=f"第{n}局", parent_code="city")
        )
    from strawberry.relay import to_base64

    variables = {"id": to_base64("Department", str(last["_id"]))} if last else {}
    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="townhall-bench-")))
    citizen = await find_or_create_citizen(
        db, phone_number="+8613800000001", firebase_uid="bench", phone_key=settings.phone_hash_key()
    )
    session = await start_session(db, settings.token_policy(), citizen)
    signed_in = {"authorization": f"Bearer {session.access_token}"}
    app = create_app(settings, database=db)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            print(f"{'operation':<28} {'req/s':>8}   ({seconds:.0f} s each, {concurrency} concurrent)")
            for name, query in CASES.items():
                headers = signed_in if name.startswith("me") else {}
                rate = await measure(
                    http, query, variables if "$id" in query else {}, seconds, concurrency, headers
                )
                print(f"{name:<28} {rate:>8.0f}")
    await client.drop_database("bench")
    await client.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir, EmbeddedDatabase(Path(data_dir)) as server:
        asyncio.run(main(args.seconds, args.concurrency, server.uri))
