"""Prints req/s and p50/p99 of Townhall's request path next to plain Starlette and Strawberry, over HTTP.

Run: `.venv/bin/python bench/request_path.py [--seconds 5] [--connections 8] [--comments 10000]`.

The same run starts three servers, each as its own process on a free loopback port, all served by
uvicorn with the options `python -m api.cli serve` uses (see `_serve` in api/cli.py):

- a plain Starlette app with one JSON endpoint (defined below);
- a plain Strawberry app (defined below, with the parser and validation caches, no other
  extension): `{ hello }`, and a query returning 20 constant objects of 6 fields;
- the real Townhall server on the embedded database, seeded as bench/consultation_page.py seeds
  it (its helpers are imported from there): one consultation of --comments comments.

Then it measures, one after the other with the same load generator (--connections keep-alive
connections over loopback, each sending its next request when the last is answered, for
--seconds after --warmup seconds that are not counted): the JSON endpoint, `{ hello }`, the
constant-data query, Townhall's `{ serverTime }`, the app's comment page (20 comments with author,
agree count, agreedByMe, reply; the document of bench/consultation_page.py) at the first page and
after about half the comments, both signed out, and `me` signed in. It prints the table and the
two ratios issue 14 sets goals for.

Load generator: wrk when it is installed (`apt-get install -y wrk` on Debian; one thread by
default, --wrk-threads), otherwise a Python generator of its own (asyncio, raw HTTP/1.1), which
costs more CPU per request on the same cores and so caps the fastest endpoints lower. `--generator
python` forces it. Every response is checked (HTTP 200, no GraphQL `errors`, the expected content:
the page's first comment, the viewer's phone digits); the script exits non-zero if any failed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import math
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import strawberry
from consultation_page import (
    COMMENT_PAGE,
    DB_NAME,
    HOST,
    PAGE_SIZE,
    REPO,
    SERVER_TIME,
    VIEWER_PHONE,
    Case,
    Scale,
    Seeded,
    _exit_on_sigterm,
    _tail,
    check_once,
    percentile,
    seed,
    start_server,
    stop_server,
    wait_until_ready,
)
from strawberry.relay import to_base64

from api.embedded_db import EmbeddedDatabase, free_loopback_port
from api.settings import Settings

ME = "query Me { me { phoneLast4 person { publicName } } }"
HELLO = "{ hello }"
CONSTANT = "{ items { id title body count score createdAt } }"
ITEMS = 20

# --- the reference apps (served by `--serve-reference NAME --port N`, a process of their own) ---


def starlette_app() -> object:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    async def hello(request: Request) -> Response:
        return JSONResponse({"hello": "world"})

    async def readyz(request: Request) -> Response:
        return Response("ready")

    return Starlette(routes=[Route("/json", hello), Route("/readyz", readyz)])


@strawberry.type
class Item:
    id: strawberry.ID
    title: str
    body: str
    count: int
    score: float
    created_at: dt.datetime


AT = dt.datetime(2026, 1, 1, 8, 30, tzinfo=dt.UTC)
CONSTANT_ITEMS = [
    Item(
        id=strawberry.ID(f"item-{n}"),
        title=f"标题 {n}",
        body="建议在小区东门增设充电桩，并且收费要合理，每度电不超过一元。",
        count=n * 3,
        score=n / 7,
        created_at=AT + dt.timedelta(minutes=n),
    )
    for n in range(ITEMS)
]


@strawberry.type
class ReferenceQuery:
    @strawberry.field
    def hello(self) -> str:
        return "world"

    @strawberry.field
    def items(self) -> list[Item]:
        return CONSTANT_ITEMS


def strawberry_app() -> object:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route
    from strawberry.asgi import GraphQL
    from strawberry.extensions import ParserCache, ValidationCache

    # Factories, as Strawberry takes them: each operation's instance shares the module-level caches.
    schema = strawberry.Schema(query=ReferenceQuery, extensions=[ParserCache, ValidationCache])

    async def readyz(request: Request) -> Response:
        return Response("ready")

    graphql: GraphQL[None, None] = GraphQL(schema, graphql_ide=None)
    return Starlette(routes=[Route("/graphql", graphql, methods=["GET", "POST"]), Route("/readyz", readyz)])


REFERENCE_APPS = {"starlette": starlette_app, "strawberry": strawberry_app}


def serve_reference(name: str, port: int) -> int:
    import uvicorn

    app = REFERENCE_APPS[name]()
    gc.collect()  # as `serve` does after start-up
    gc.freeze()
    try:
        uvicorn.run(
            app,  # type: ignore[arg-type]
            host=HOST,
            port=port,
            log_config=None,
            ws="websockets-sansio",
            ws_max_size=Settings.ws_max_message_bytes,
            lifespan="on",
            access_log=False,
            proxy_headers=False,
        )
    except SystemExit as stop:
        if stop.code != 128 + signal.SIGTERM:
            raise
    return 0


def start_reference(name: str, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log_file:
        return subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve-reference", name, "--port", str(port)],
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )


# --- what is measured -------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    port: int
    path: str
    query: str | None = None  # None: a GET of `path`
    variables: dict[str, object] = field(default_factory=dict)
    token: str | None = None
    expect: str = ""  # a response must contain this

    @property
    def method(self) -> str:
        return "GET" if self.query is None else "POST"

    @property
    def body(self) -> bytes:
        if self.query is None:
            return b""
        return json.dumps({"query": self.query, "variables": self.variables}, ensure_ascii=False).encode()

    @property
    def headers(self) -> dict[str, str]:
        headers = {"content-type": "application/json"} if self.query is not None else {}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        return headers

    def problem(self, status: int, body: bytes) -> str | None:
        if status != 200:
            return f"HTTP {status}: {body[:300]!r}"
        if b'"errors"' in body:
            return f"GraphQL errors: {body[:300]!r}"
        if self.expect.encode() not in body:
            return f"no {self.expect!r} in {body[:300]!r}"
        return None


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    p50: float  # seconds
    p99: float
    errors: int
    first_error: str | None

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else math.nan


# --- load generator: wrk --------------------------------------------------------------------

WRK_SCRIPT = """
wrk.method = {method}
wrk.body = {body}
{headers}
local expect = {expect}
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function init(args) failures = 0; first = "" end
function response(status, headers, body)
  if status ~= 200 or body:find('"errors"', 1, true) or not body:find(expect, 1, true) then
    failures = failures + 1
    if first == "" then first = status .. " " .. body:sub(1, 300) end
  end
end
function done(summary, latency, requests)
  local failed, message = 0, ""
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("failures")
    if message == "" then message = thread:get("first") end
  end
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), failed,
    e.connect + e.read + e.write + e.status + e.timeout))
  io.write("FIRST " .. message:gsub("\\n", " ") .. "\\n")
end
"""


def lua_string(text: str) -> str:
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    return f"[{'=' * level}[{text}]{'=' * level}]"


def run_wrk(wrk: str, target: Target, seconds: float, connections: int, threads: int, work: Path) -> Result:
    headers = "\n".join(
        f"wrk.headers[ {lua_string(key)} ] = {lua_string(value)}" for key, value in target.headers.items()
    )
    script = work / "wrk.lua"
    script.write_text(
        WRK_SCRIPT.format(
            method=lua_string(target.method),
            body=lua_string(target.body.decode()) if target.body else "nil",
            headers=headers,
            expect=lua_string(target.expect),
        )
    )
    command = [
        wrk,
        f"--threads={min(threads, connections)}",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=30s",
        f"--script={script}",
        f"http://{HOST}:{target.port}{target.path}",
    ]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    found = re.search(r"^RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", finished.stdout, re.MULTILINE)
    if finished.returncode != 0 or found is None:
        raise RuntimeError(f"wrk failed ({finished.returncode}):\n{finished.stdout}\n{finished.stderr}")
    requests, duration, p50, p99, failed, socket_errors = (int(value) for value in found.groups())
    first = re.search(r"^FIRST (.*)$", finished.stdout, re.MULTILINE)
    message = first.group(1).strip() if first else ""
    if socket_errors and not message:
        message = f"{socket_errors} socket errors or timeouts"
    return Result(
        target.name,
        requests,
        duration / 1e6,
        p50 / 1e6,
        p99 / 1e6,
        failed + socket_errors,
        message or None,
    )


# --- load generator: Python (asyncio, raw HTTP/1.1 keep-alive) --------------------------------


def request_bytes(target: Target) -> bytes:
    body = target.body
    lines = [f"{target.method} {target.path} HTTP/1.1", f"host: {HOST}:{target.port}"]
    lines += [f"{key}: {value}" for key, value in target.headers.items()]
    if target.query is not None:
        lines.append(f"content-length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers = {}
    for line in header_lines:
        if line:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks: list[bytes] = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return status, b"".join(chunks)
            chunks.append(chunk[:-2])
    raise ValueError(f"a response without a length: {head!r}")


async def python_load(
    target: Target, seconds: float, connections: int
) -> tuple[list[float], int, str | None]:
    request = request_bytes(target)
    latencies: list[float] = []
    errors = 0
    first_error: str | None = None
    deadline = time.perf_counter() + seconds

    async def connection() -> None:
        nonlocal errors, first_error
        reader, writer = await asyncio.open_connection(HOST, target.port)
        try:
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                writer.write(request)
                status, body = await read_response(reader)
                latencies.append(time.perf_counter() - began)
                failure = target.problem(status, body)
                if failure is not None:
                    errors += 1
                    first_error = first_error or failure
        finally:
            writer.close()

    outcomes = await asyncio.gather(*(connection() for _ in range(connections)), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            errors += 1
            first_error = first_error or f"{type(outcome).__name__}: {outcome}"
    return latencies, errors, first_error


def run_python(target: Target, seconds: float, connections: int) -> Result:
    started = time.perf_counter()
    latencies, errors, first_error = asyncio.run(python_load(target, seconds, connections))
    elapsed = time.perf_counter() - started
    return Result(
        target.name,
        len(latencies),
        elapsed,
        percentile(latencies, 0.50),
        percentile(latencies, 0.99),
        errors,
        first_error,
    )


# --- the run ----------------------------------------------------------------------------------


def check(target: Target) -> str | None:
    """One request before measuring: the target answers as the table says it does."""
    url = f"http://{HOST}:{target.port}{target.path}"
    with httpx.Client(trust_env=False, timeout=30.0) as http:
        response = http.request(target.method, url, content=target.body or None, headers=target.headers)
    return target.problem(response.status_code, response.content)


def targets(ports: dict[str, int], seeded: Seeded, deep: int) -> list[Target]:
    consultation = to_base64("Consultation", str(seeded.consultation_id))
    page = {"id": consultation, "first": PAGE_SIZE}
    first_id = to_base64("Comment", str(seeded.comment_ids[0]))
    deep_id = to_base64("Comment", str(seeded.comment_ids[deep]))
    return [
        Target("Starlette JSON endpoint", ports["starlette"], "/json", expect='"hello"'),
        Target("Strawberry { hello }", ports["strawberry"], "/graphql", HELLO, expect='"hello"'),
        Target(f"Strawberry {ITEMS} consts x 6", ports["strawberry"], "/graphql", CONSTANT, expect="item-19"),
        Target("Townhall { serverTime }", ports["townhall"], "/graphql", SERVER_TIME, expect="serverTime"),
        Target("comment page, first", ports["townhall"], "/graphql", COMMENT_PAGE, page, expect=first_id),
        Target(
            f"comment page, after {deep:,}",
            ports["townhall"],
            "/graphql",
            COMMENT_PAGE,
            {**page, "after": seeded.deep_cursor},
            expect=deep_id,
        ),
        Target(
            "me, signed in",
            ports["townhall"],
            "/graphql",
            ME,
            token=seeded.viewer_token,
            expect=f'"phoneLast4":"{VIEWER_PHONE[-4:]}"',  # null when not signed in
        ),
    ]


def seeded_problems(port: int, seeded: Seeded, deep: int) -> list[str]:
    """consultation_page's own check of the seed (counters, the viewer's agreements on both pages)."""
    consultation = to_base64("Consultation", str(seeded.consultation_id))
    page = {"id": consultation, "first": PAGE_SIZE}
    pages = [
        Case("comment page, first", COMMENT_PAGE, page, to_base64("Comment", str(seeded.comment_ids[0]))),
        Case(
            "comment page, deep",
            COMMENT_PAGE,
            {**page, "after": seeded.deep_cursor},
            to_base64("Comment", str(seeded.comment_ids[deep])),
        ),
    ]
    headers = {"authorization": f"Bearer {seeded.viewer_token}"}

    async def run() -> list[str]:
        async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}", trust_env=False, timeout=30.0) as http:
            return await check_once(http, consultation, seeded, pages, headers)

    return asyncio.run(run())


def report(results: Sequence[Result], args: argparse.Namespace, generator: str, seeded: Seeded) -> None:
    print(
        f"\n{args.seconds:g} s per row after {args.warmup:g} s of warm-up, {args.connections} keep-alive "
        f"connections on loopback, load generator: {generator}; Townhall on the embedded database with "
        f"{len(seeded.comment_ids):,} comments ({seeded.agrees:,} agreements), signed out unless marked"
    )
    print(f"{'operation':<30} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for result in results:
        print(
            f"{result.name:<30} {result.requests:>9,} {result.rate:>8.0f} {result.p50 * 1000:>8.1f} "
            f"{result.p99 * 1000:>8.1f} {result.errors:>7}"
        )
    rate = {result.name: result.rate for result in results}
    constant = rate[f"Strawberry {ITEMS} consts x 6"]
    print("\nratios of req/s (issue 14's goals):")
    for name in (r.name for r in results if r.name.startswith("comment page")):
        print(f"  {name} / constant-data query: {rate[name] / constant:6.1%}   (goal >= 40%)")
    ratio = rate["Townhall { serverTime }"] / rate["Strawberry { hello }"]
    print(f"  Townhall {{ serverTime }} / Strawberry {{ hello }}: {ratio:6.1%}   (goal >= 60%)")
    for result in results:
        if result.first_error:
            print(f"first error of {result.name}: {result.first_error}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="measuring time per row")
    parser.add_argument("--warmup", type=float, default=1.0, help="load before each row, not counted")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections, one request each")
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--citizens", type=int, default=1_000)
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--startup-timeout", type=float, default=60.0)
    parser.add_argument("--serve-reference", choices=sorted(REFERENCE_APPS), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_reference:
        return serve_reference(args.serve_reference, args.port)
    if args.seconds <= 0 or args.warmup < 0 or args.connections < 1 or args.wrk_threads < 1:
        parser.error("--seconds, --connections and --wrk-threads must be positive")
    if args.comments < 2 * PAGE_SIZE + 1:
        parser.error(f"--comments must be more than {2 * PAGE_SIZE}")
    wrk = shutil.which("wrk") if args.generator != "python" else None
    if args.generator == "wrk" and wrk is None:
        parser.error("wrk is not installed (Debian: apt-get install -y wrk)")
    if wrk is None and args.generator == "auto":
        print("wrk not found (Debian: apt-get install -y wrk): using the Python load generator", flush=True)
    deep = args.comments // 2
    scale = Scale(comments=args.comments, citizens=args.citizens, deep=deep)

    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    failed = True
    with tempfile.TemporaryDirectory(prefix="townhall-bench-") as temporary:
        root = Path(temporary)
        database = EmbeddedDatabase(root / "db")
        servers: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}
        try:
            uri = database.start()
            settings = Settings(data_dir=root / "server", database_name=DB_NAME)
            print(f"seeding the embedded database ({uri}) ...", flush=True)
            seeded = asyncio.run(seed(uri, settings, scale))
            print(f"  seeded in {seeded.timings['total']:.1f} s")
            ports = {name: free_loopback_port() for name in ("starlette", "strawberry", "townhall")}
            for name, port in ports.items():
                log_path = root / f"{name}.log"
                if name == "townhall":
                    servers[name] = (start_server(settings, uri, port, log_path), log_path)
                else:
                    servers[name] = (start_reference(name, port, log_path), log_path)
            for name, (server, log_path) in servers.items():
                wait_until_ready(server, f"http://{HOST}:{ports[name]}", log_path, args.startup_timeout)
            listening = ", ".join(f"{name} :{port}" for name, port in ports.items())
            print(f"servers ready: {listening}", flush=True)
            problems = seeded_problems(ports["townhall"], seeded, deep)
            rows = targets(ports, seeded, deep)
            results: list[Result] = []
            for target in rows:
                failure = check(target)
                if failure is not None:
                    problems.append(f"{target.name}: {failure}")
                    continue
                if wrk is not None:
                    if args.warmup:
                        run_wrk(wrk, target, args.warmup, args.connections, args.wrk_threads, root)
                    result = run_wrk(wrk, target, args.seconds, args.connections, args.wrk_threads, root)
                else:
                    if args.warmup:
                        run_python(target, args.warmup, args.connections)
                    result = run_python(target, args.seconds, args.connections)
                print(f"  {result.name}: {result.rate:.0f} req/s", flush=True)
                results.append(result)
            if len(results) == len(rows):
                generator = f"wrk, {min(args.wrk_threads, args.connections)} thread(s)" if wrk else "Python"
                report(results, args, generator, seeded)
            for message in problems:
                print(f"check failed: {message}", file=sys.stderr)
            failed = bool(problems) or len(results) < len(rows) or any(r.errors for r in results)
        finally:
            for name, (server, log_path) in servers.items():
                stop_server(server)
                if failed:
                    print(f"{name} log ends with:\n{_tail(log_path)}", file=sys.stderr)
            database.stop()
            signal.signal(signal.SIGTERM, previous)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
