"""Prints the server time of hostile GraphQL documents next to `{ serverTime }`, and how long
/healthz waited meanwhile, through the full ASGI stack on the embedded database, in-process.

Run: `.venv/bin/python bench/hostile_documents.py [--repeat 5]`. Each document is new to the app on
every repeat (a comment makes it unique), so the parse and validation caches do not hide the work.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from graphql import get_introspection_query
from strawberry.relay import to_base64

from api.app import create_app
from api.embedded_db import EmbeddedDatabase
from api.settings import Settings
from models.catalog import ensure_indexes
from models.common.db import connect


def fragment_fan_out(levels: int) -> str:
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    return "\n".join(["{ ...F0 }", *fragments, f"fragment F{levels} on Query {{ serverTime }}"])


DEEP_FIELDS = (
    "departments(first: 100) { edges { node { code name { zh en } "
    "children(first: 100) { edges { node { code parent { code } } } } } } }"
)
DEEP_SCHEMA = "__schema { types { name fields { name type { name ofType { name ofType { name } } } } } }"
NODE_SELECTION = "id ... on Department { code name { zh en } parent { code } }"
IDS = [to_base64("Department", f"{index:024x}") for index in range(1_500)]

CASES: dict[str, tuple[str, dict[str, Any] | None]] = {
    "{ serverTime }": ("{ serverTime }", None),
    "fragment fan-out, 20 levels": (fragment_fan_out(20), None),
    "fragment fan-out, 30 levels": (fragment_fan_out(30), None),
    "30 aliases x deep fields": ("{ " + " ".join(f"a{i}: {DEEP_FIELDS}" for i in range(30)) + " }", None),
    "30 aliased __schema": ("{ " + " ".join(f"s{i}: {DEEP_SCHEMA}" for i in range(30)) + " }", None),
    "standard introspection": (get_introspection_query(descriptions=True), None),
    "nodes, 1,500 ids x 10 aliases": (
        "query ($ids: [ID!]!) { "
        + " ".join(f"n{i}: nodes(ids: $ids) {{ {NODE_SELECTION} }}" for i in range(10))
        + " }",
        {"ids": IDS},
    ),
    "max tokens: one field x 1,990": ("{ " + " serverTime" * 1_990 + " }", None),
    "max tokens: 35 repeated lists": (
        "{ " + " ".join("departments(first: 1) { edges { node { code } } }" for _ in range(35)) + " }",
        None,
    ),
}


async def one(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None
) -> tuple[float, float, int]:
    """Server time of one request (in-process, so wall time), the longest /healthz wait meanwhile."""
    done = asyncio.Event()
    waits: list[float] = []

    async def health() -> None:
        # From when a /healthz could be sent (after a 1 ms pause) to its answer: a blocked loop shows.
        while not done.is_set():
            asked = time.perf_counter() + 0.001
            await asyncio.sleep(0.001)
            await http.get("/healthz")
            waits.append(time.perf_counter() - asked)

    async def request() -> tuple[float, int]:
        started = time.perf_counter()
        response = await http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"accept": "application/graphql-response+json"},  # refusals are 400s
        )
        elapsed = time.perf_counter() - started
        done.set()
        return elapsed, response.status_code

    (elapsed, status), _ = await asyncio.gather(request(), health())
    return elapsed, max(waits, default=0.0), status


async def main(repeat: int, uri: str) -> None:
    client = connect(uri)
    db = client["bench_hostile"]
    await client.drop_database("bench_hostile")
    await ensure_indexes(db)
    app = create_app(Settings(data_dir=Path(tempfile.mkdtemp(prefix="townhall-bench-"))), database=db)
    gc.collect()
    gc.freeze()  # as `townhall serve` does
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            await http.post("/graphql", json={"query": "{ serverTime }"})  # warm up
            print(f"{'document':<32} {'bytes':>6} {'status':>6} {'server ms':>10} {'healthz max ms':>15}")
            print(f"{'':<32} {'':>6} {'':>6} {f'(median of {repeat})':>10}")
            for name, (query, variables) in CASES.items():
                times, waits, statuses = [], [], set()
                for attempt in range(repeat):
                    unique = f"# {attempt} {time.perf_counter_ns()}\n{query}"
                    elapsed, wait, status = await one(http, unique, variables)
                    times.append(elapsed)
                    waits.append(wait)
                    statuses.add(status)
                status_text = "/".join(str(s) for s in sorted(statuses))
                print(
                    f"{name:<32} {len(query):>6} {status_text:>6} "
                    f"{statistics.median(times) * 1000:>10.1f} {max(waits) * 1000:>15.1f}"
                )
    await client.drop_database("bench_hostile")
    await client.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir, EmbeddedDatabase(Path(data_dir)) as server:
        asyncio.run(main(args.repeat, server.uri))
