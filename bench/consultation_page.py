"""Prints requests per second and p50/p99 latency of a consultation's comment page against the running server.

Run: `.venv/bin/python bench/consultation_page.py [--seconds 5] [--concurrency 8]`.

The script starts the embedded database in a temporary directory, seeds the demo city and one
open consultation (10 clauses, 50,000 comments from about 5,000 citizens, agreements, official
replies, a few tombstones and helper-submitted comments, with consistent counters), then starts
the real server (`python -m api.cli serve`) as a separate process on a free loopback port and
sends it HTTP requests with a fixed concurrency, signed in as one demo citizen:

- `serverTime`, a trivial query, as the baseline of the same run (also signed out, which spares
  the two reads that authenticate every signed-in request);
- the page of 20 comments as the app asks for it (text, stance, clause, author, agree count,
  the viewer's own agree state, the official reply);
- the same page about 25,000 comments into the list (after a cursor).

Every request is checked (HTTP 200, no GraphQL errors, a full page); the script exits non-zero
if any failed. The server and the database are stopped at the end in any case.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import math
import os
import random
import signal
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
from bson import ObjectId
from strawberry.relay import to_base64

from api.demo.seed import DemoSecrets, seed_demo
from api.embedded_db import EmbeddedDatabase, free_loopback_port
from api.settings import Settings
from models.catalog import ensure_indexes
from models.common.actors import COMMAND_LINE, Role
from models.common.db import Database, connect
from models.common.pagination import encode_cursor
from models.consultations.clauses import ClauseText
from models.consultations.comment_counters import commenter_key
from models.consultations.comments import agree_key, comment_document
from models.consultations.documents import (
    COMMENT_AGREES,
    COMMENTERS,
    COMMENTS,
    CONSULTATIONS,
    AgreeDocument,
    Channel,
    CommentDocument,
    CommentStatus,
    Stance,
)
from models.consultations.repository.comments import BY_CONSULTATION
from models.consultations.service import NewConsultation, create_draft, publish
from models.departments.policy import DepartmentScope
from models.identity.citizens import new_citizen, pseudonym
from models.identity.documents import PEOPLE, PersonDocument
from models.identity.phones import phone_record
from models.identity.repository import find_by_email, find_by_phone
from models.identity.sessions import start_session

REPO = Path(__file__).resolve().parent.parent
DB_NAME = "bench_consultation"
HOST = "127.0.0.1"  # loopback only: the server listens here and the client sends nowhere else
PAGE_SIZE = 20
BATCH = 2_000  # documents per insert_many
VIEWER_PHONE = "+8613800000001"  # a demo citizen (东湖老王)
OFFICIAL_EMAIL = "liu.fang@transport.linchuan.gov.cn"
HELPER_EMAIL = "hotline.helper@linchuan.gov.cn"
RATE_LIMITS = "mutation.person=1000000/60s,mutation.address=1000000/60s"

SERVER_TIME = "query ServerTime { serverTime }"
# The consultation screen's comment list, as the app sends it.
COMMENT_PAGE = """
query ConsultationComments($id: ID!, $first: Int!, $after: String) {
  consultationComments(consultationId: $id, first: $first, after: $after) {
    edges {
      cursor
      node {
        id clauseId stance text status createdAt editedAt viaHelper channel agreeCount agreedByMe
        author { publicName }
        reply { text repliedAt official { publicName } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""
COUNTERS = "query Counters($id: ID!) { consultation(id: $id) { counters { commentCount commenterCount } } }"

# --- a realistic consultation ----------------------------------------------------------------

TITLE = "临川市电动自行车停放充电管理规定（征求意见稿）"
SUMMARY = (
    "电动自行车不得在楼道、安全出口停放和充电；小区和公共场所要设置集中停放点和充电设施。"
    "请就停放点设置、充电设施、物业责任和违规处理等条款提出意见。"
)
CLAUSES: tuple[tuple[str, str, str], ...] = (
    # (label, text, what comments on it are about)
    (
        "第一条 目的和依据",
        "为规范电动自行车停放和充电，预防火灾事故，根据有关法律法规，结合本市实际，制定本规定。",
        "立法目的",
    ),
    ("第二条 适用范围", "本市行政区域内电动自行车的停放、充电及其监督管理，适用本规定。", "适用范围"),
    ("第三条 集中停放点", "新建住宅小区应当按照每户不少于一个车位的标准配建电动自行车集中停放点。", "停放点"),
    ("第四条 禁止停放区域", "禁止在建筑物的公共门厅、疏散通道、楼梯间、安全出口停放电动自行车。", "楼道停车"),
    ("第五条 充电设施", "集中停放点应当配备具有定时充电、自动断电、故障报警功能的充电设施。", "充电桩"),
    ("第六条 物业服务企业责任", "物业服务企业应当加强巡查，发现违规停放、充电的，应当劝阻并报告。", "物业"),
    (
        "第七条 共享电动自行车",
        "共享电动自行车运营企业应当在指定区域投放车辆，及时清理违规停放车辆。",
        "共享单车",
    ),
    ("第八条 违规处理", "违反本规定第四条的，由消防救援机构责令改正，拒不改正的依法予以处罚。", "处罚"),
    (
        "第九条 老旧小区改造",
        "老旧小区改造应当将电动自行车停放充电设施纳入改造内容，统筹规划建设。",
        "老旧小区",
    ),
    ("第十条 施行日期", "本规定自2026年1月1日起施行。", "施行时间"),
)
# How often each clause is commented on (the whole draft: WHOLE_DRAFT_SHARE).
CLAUSE_WEIGHTS = (2, 1, 14, 20, 18, 12, 8, 15, 9, 1)
WHOLE_DRAFT_SHARE = 0.15

OPENINGS = (
    "",
    "",
    "我是东湖区居民，",
    "作为一名外卖骑手，",
    "我家住老旧小区，",
    "建议：",
    "我认为",
    "支持！",
)
CORES: dict[Stance, tuple[str, ...]] = {
    Stance.SUPPORT: (
        "这条规定很有必要，楼道里停车充电太危险了，去年隔壁小区就着过火。",
        "支持关于{topic}的规定，希望尽快落实。",
        "{topic}这一条写得好，早就该管了。",
        "赞成，安全第一，家里有老人孩子，楼道必须保持畅通。",
    ),
    Stance.OPPOSE: (
        "{topic}的要求不现实，小区根本没有地方建停放点。",
        "反对一刀切，上班族晚上回家没有地方充电怎么办？",
        "处罚太重了，应该先教育后处罚，先把充电桩建好再说。",
        "{topic}这一条对老年人不友好，推车走很远很不方便。",
    ),
    Stance.SUGGESTION: (
        "建议在小区东门增设充电桩，并且收费要合理，每度电不超过一元。",
        "关于{topic}，建议明确由谁出钱建设、谁负责维护。",
        "建议给过渡期，至少半年，让小区有时间改造。",
        "建议充电桩支持扫码和刷卡两种方式，方便不会用手机的老人。",
        "建议{topic}的标准按小区户数分档，不要统一规定。",
    ),
}
CLOSINGS = ("", "", "", "谢谢！", "希望采纳。", "请相关部门考虑。", "以上是我的一点意见。")
REPLIES = (
    "感谢您的意见。我们将在修改稿中明确充电设施的建设和维护责任。",
    "您反映的问题已转交属地街道核实，停放点选址将听取居民意见。",
    "感谢关注。过渡期安排正在研究，会在正式文本中说明。",
)
HELPER_CHANNELS = (Channel.HOTLINE, Channel.IN_PERSON, Channel.LETTER, Channel.SMS, Channel.WECHAT)


@dataclass(frozen=True)
class Scale:
    comments: int
    citizens: int
    deep: int  # the deep page starts after this many comments


@dataclass
class Seeded:
    consultation_id: ObjectId
    viewer_token: str
    comment_ids: list[ObjectId]  # in list order
    deep_cursor: str
    published: int
    commenters: int
    agrees: int
    replies: int
    timings: dict[str, float] = field(default_factory=dict)


def _object_id(at: dt.datetime, machine: bytes, counter: int) -> ObjectId:
    """An ObjectId as a driver makes it at `at`: the ids grow in creation order, like the comments."""
    return ObjectId(struct.pack(">I", int(at.timestamp())) + machine + (counter % 2**24).to_bytes(3, "big"))


def _text(rng: random.Random, stance: Stance, topic: str) -> str:
    core = rng.choice(CORES[stance]).format(topic=topic)
    extra = rng.choice(CORES[stance]).format(topic=topic) if rng.random() < 0.3 else ""
    return f"{rng.choice(OPENINGS)}{core}{extra}{rng.choice(CLOSINGS)}"


async def _insert(db: Database, collection: str, documents: Sequence[Mapping[str, Any]]) -> None:
    for start in range(0, len(documents), BATCH):
        await db[collection].insert_many([dict(d) for d in documents[start : start + BATCH]], ordered=False)


async def _citizens(db: Database, phone_key: bytes, count: int, rng: random.Random) -> list[ObjectId]:
    """The demo citizens plus enough residents, stored as phone sign-in creates them, to make `count`."""
    demo = [p["_id"] async for p in PEOPLE.of(db).find({"role": Role.CITIZEN.value}, {"_id": 1})]
    now = dt.datetime.now(dt.UTC)
    documents: list[PersonDocument] = []
    for n in range(max(0, count - len(demo))):
        name = pseudonym() if rng.random() < 0.8 else f"临川居民{n:04d}"
        phone = phone_record(phone_key, f"+86139{n:08d}")
        document = new_citizen(phone, now=now, firebase_uid=f"bench-{n}", public_name=name)
        document["preferences"]["large_text"] = rng.random() < 0.1
        documents.append({**document, "_id": ObjectId()})
    await _insert(db, PEOPLE.name, documents)
    return demo + [document["_id"] for document in documents]


async def seed(uri: str, settings: Settings, scale: Scale) -> Seeded:
    rng = random.Random(27017)
    client = connect(uri)
    timings: dict[str, float] = {}
    try:
        db = client[settings.database_name]
        started = time.perf_counter()
        await ensure_indexes(db)
        phone_key = settings.phone_hash_key()
        await seed_demo(db, DemoSecrets(phone_key=phone_key))
        viewer = await find_by_phone(db, phone_key, VIEWER_PHONE)
        official = await find_by_email(db, OFFICIAL_EMAIL)
        helper = await find_by_email(db, HELPER_EMAIL)
        assert viewer and official and helper, "the demo city has this citizen and these staff"
        citizens = await _citizens(db, phone_key, scale.citizens, rng)
        timings["demo city and citizens"] = time.perf_counter() - started

        # Open for two weeks, two more to go: the services run with a clock set to the opening.
        step = time.perf_counter()
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        opened = now - dt.timedelta(days=14)
        new = NewConsultation(
            department_code="transport",
            title=TITLE,
            summary=SUMMARY,
            clauses=[ClauseText(label=label, text=text) for label, text, _ in CLAUSES],
            opens_at=opened,
            closes_at=now + dt.timedelta(days=14),
            district_codes=("chengguan", "donghu", "xishan", "nanpu"),
            topic_codes=("parking", "old-compounds"),
        )
        draft = await create_draft(db, COMMAND_LINE, new, DepartmentScope(), now=lambda: opened)
        consultation = await publish(db, COMMAND_LINE, draft["_id"], DepartmentScope(), now=lambda: opened)
        clause_ids = [clause["id"] for clause in consultation["clauses"]]
        topics = dict(zip(clause_ids, (topic for _, _, topic in CLAUSES), strict=True))

        # Authors: everyone may write, a few hundred active residents write much more.
        active = rng.sample(citizens, k=min(500, len(citizens)))
        machine = os.urandom(5)
        span = (now - dt.timedelta(minutes=5)) - opened
        comments: list[CommentDocument] = []
        for n in range(scale.comments):
            created_at = opened + span * ((n + 1) / (scale.comments + 1))
            author = rng.choice(active) if rng.random() < 0.35 else rng.choice(citizens)
            if n % 997 == 0:
                author = viewer["_id"]  # the viewer wrote some too (and cannot agree with those)
            clause = (
                None
                if rng.random() < WHOLE_DRAFT_SHARE
                else rng.choices(clause_ids, weights=CLAUSE_WEIGHTS)[0]
            )
            stance = rng.choices(list(Stance), weights=(35, 25, 40))[0]
            via_helper = rng.random() < 0.02
            deleted = rng.random() < 0.01
            comment = comment_document(
                consultation,
                clause_id=clause,
                stance=stance,
                text=_text(rng, stance, topics[clause] if clause else "这个规定"),
                author_id=author,
                status=CommentStatus.DELETED if deleted else CommentStatus.PUBLISHED,
                created_at=created_at,
                helper_id=helper["_id"] if via_helper else None,
                channel=rng.choice(HELPER_CHANNELS) if via_helper else Channel.APP,
                comment_id=_object_id(created_at, machine, n),
            )
            if deleted:  # a tombstone, as delete_comment leaves it
                comment.update({"text": None, "deleted_at": created_at + dt.timedelta(hours=2)})
            elif rng.random() < 0.03:
                comment["reply"] = {
                    "text": rng.choice(REPLIES),
                    "official_id": official["_id"],
                    "at": created_at + dt.timedelta(hours=rng.randint(2, 72)),
                }
            comments.append(comment)

        # Agreements: most comments have none, a few have many; the viewer agrees with every
        # third comment of both measured pages (and a few elsewhere) so `agreedByMe` is mixed.
        measured = {*range(0, 3 * PAGE_SIZE, 3), *range(scale.deep, scale.deep + 3 * PAGE_SIZE, 3)}
        agrees: list[AgreeDocument] = []
        for n, comment in enumerate(comments):
            if comment["status"] != CommentStatus.PUBLISHED:
                continue
            roll = rng.random()
            k = 0 if roll < 0.75 else rng.randint(1, 3) if roll < 0.93 else rng.randint(4, 12)
            if roll > 0.99:
                k = rng.randint(13, 80)
            people = set(rng.sample(citizens, k=min(k + 1, len(citizens))))
            people.discard(comment["author_id"])
            people = set(list(people)[:k])
            if (n in measured or rng.random() < 0.005) and comment["author_id"] != viewer["_id"]:
                people.add(viewer["_id"])
            for person in people:
                agrees.append(
                    COMMENT_AGREES.new_document(
                        {
                            "_id": agree_key(comment["_id"], person),
                            "comment_id": comment["_id"],
                            "person_id": person,
                            "created_at": comment["created_at"] + dt.timedelta(minutes=rng.randint(1, 600)),
                        }
                    )
                )
            comment["agree_count"] = len(people)

        # The counters as count_published keeps them: published comments only.
        published = [c for c in comments if c["status"] == CommentStatus.PUBLISHED]
        per_author = Counter(c["author_id"] for c in published)
        first_at: dict[ObjectId, dt.datetime] = {}
        for comment in published:
            first_at.setdefault(comment["author_id"], comment["created_at"])
        markers = [
            COMMENTERS.new_document(
                {
                    "_id": commenter_key(consultation["_id"], person),
                    "consultation_id": consultation["_id"],
                    "person_id": person,
                    "published": count,
                    "created_at": first_at[person],
                }
            )
            for person, count in per_author.items()
        ]
        stances = Counter(c["stance"] for c in published)
        clauses = Counter(c["clause_id"] for c in published if c["clause_id"] is not None)
        counters = {
            "comments": len(published),
            "commenters": len(per_author),
            "stances": {stance.value: stances.get(stance.value, 0) for stance in Stance},
            "clauses": dict(clauses),
        }
        timings["generating documents"] = time.perf_counter() - step

        step = time.perf_counter()
        await _insert(db, COMMENTS.name, comments)
        timings[f"inserting {len(comments):,} comments"] = time.perf_counter() - step
        step = time.perf_counter()
        await _insert(db, COMMENT_AGREES.name, agrees)
        timings[f"inserting {len(agrees):,} agreements"] = time.perf_counter() - step
        step = time.perf_counter()
        await _insert(db, COMMENTERS.name, markers)
        await CONSULTATIONS.of(db).update_one({"_id": consultation["_id"]}, {"$set": {"counters": counters}})
        timings["commenters and counters"] = time.perf_counter() - step
        timings["total"] = time.perf_counter() - started

        session = await start_session(db, settings.token_policy(), viewer)
        return Seeded(
            consultation_id=consultation["_id"],
            viewer_token=session.access_token,
            comment_ids=[c["_id"] for c in comments],
            deep_cursor=encode_cursor(BY_CONSULTATION, comments[scale.deep - 1]),
            published=len(published),
            commenters=len(per_author),
            agrees=len(agrees),
            replies=sum(1 for c in comments if c["reply"]),
            timings=timings,
        )
    finally:
        await client.close()


# --- the server -------------------------------------------------------------------------------


def start_server(settings: Settings, mongodb_uri: str, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TOWNHALL_") and key not in ("MONGODB_URI", "FIREBASE_AUTH_EMULATOR_HOST")
    }
    env.update(
        MONGODB_URI=mongodb_uri,
        TOWNHALL_ENV="development",
        TOWNHALL_DB_NAME=settings.database_name,
        TOWNHALL_DATA_DIR=str(settings.data_dir),
        TOWNHALL_RATE_LIMITS=RATE_LIMITS,
    )
    with log_path.open("ab") as log_file:
        return subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--host", HOST, "--port", str(port)],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )


def wait_until_ready(server: subprocess.Popen[bytes], base_url: str, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=base_url, trust_env=False, timeout=2.0) as http:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError(f"the server exited with code {server.returncode}:\n{_tail(log_path)}")
            try:
                if http.get("/readyz").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
    raise RuntimeError(f"the server was not ready within {timeout:.0f} s:\n{_tail(log_path)}")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --- measuring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    query: str
    variables: dict[str, Any]
    first_id: str | None = None  # the page's first comment (global id), checked on every response
    signed_in: bool = True


@dataclass
class Result:
    name: str
    rate: float
    requests: int
    latencies: list[float]
    errors: int
    first_error: str | None


def problem(response: httpx.Response, case: Case) -> str | None:
    """Why a response is not what the app needs, or None."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    body = response.json()
    if body.get("errors") or not body.get("data"):
        return f"GraphQL errors: {str(body.get('errors'))[:300]}"
    if case.first_id is None:
        return None
    edges = body["data"]["consultationComments"]["edges"]
    if len(edges) != PAGE_SIZE:
        return f"a page of {len(edges)} comments, not {PAGE_SIZE}"
    if edges[0]["node"]["id"] != case.first_id:
        return f"the page starts at {edges[0]['node']['id']}, not {case.first_id}"
    return None


async def measure(
    http: httpx.AsyncClient,
    case: Case,
    headers: dict[str, str],
    *,
    seconds: float,
    concurrency: int,
    max_requests: int,
    warmup: int,
) -> Result:
    payload = {"query": case.query, "variables": case.variables}
    latencies: list[float] = []
    errors = 0
    first_error: str | None = None

    async def send() -> tuple[float, str | None]:
        began = time.perf_counter()
        try:
            response = await http.post("/graphql", json=payload, headers=headers)
            failure = problem(response, case)
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
            failure = f"{type(error).__name__}: {error}"
        return time.perf_counter() - began, failure

    for _ in range(warmup):  # parse caches, connections: not counted
        await send()

    deadline = time.perf_counter() + seconds
    budget = max_requests

    async def worker() -> None:
        nonlocal errors, first_error, budget
        while budget > 0 and time.perf_counter() < deadline:
            budget -= 1
            took, failure = await send()
            latencies.append(took)
            if failure is not None:
                errors += 1
                first_error = first_error or failure

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return Result(case.name, len(latencies) / elapsed, len(latencies), latencies, errors, first_error)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (0 < fraction <= 1) of `values`, in the same unit."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


async def check_once(
    http: httpx.AsyncClient, consultation: str, seeded: Seeded, pages: Sequence[Case], headers: dict[str, str]
) -> list[str]:
    """Before measuring: the server sees the seeded counters, and the viewer's agreements on both pages."""
    problems: list[str] = []
    try:
        response = await http.post("/graphql", json={"query": COUNTERS, "variables": {"id": consultation}})
        counters = response.json()["data"]["consultation"]["counters"]
        expected = {"commentCount": seeded.published, "commenterCount": seeded.commenters}
        if counters != expected:
            problems.append(f"the counters say {counters}, the seed {expected}")
        for case in pages:
            payload = {"query": case.query, "variables": case.variables}
            response = await http.post("/graphql", json=payload, headers=headers)
            failure = problem(response, case)
            if failure is not None:
                problems.append(f"{case.name}: {failure}")
                continue
            nodes = [edge["node"] for edge in response.json()["data"]["consultationComments"]["edges"]]
            if not any(node["agreedByMe"] for node in nodes):
                problems.append(f"{case.name}: no comment shows the viewer's agreement")
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
        problems.append(f"checking the seeded data: {type(error).__name__}: {error}")
    return problems


async def run_cases(
    base_url: str, seeded: Seeded, args: argparse.Namespace
) -> tuple[list[Result], list[str]]:
    consultation = to_base64("Consultation", str(seeded.consultation_id))
    page = {"id": consultation, "first": PAGE_SIZE}
    cases = [
        Case("serverTime", SERVER_TIME, {}),
        Case("serverTime, signed out", SERVER_TIME, {}, signed_in=False),
        Case(
            "page of 20 comments",
            COMMENT_PAGE,
            page,
            first_id=to_base64("Comment", str(seeded.comment_ids[0])),
        ),
        Case(
            f"same, after {args.deep:,}",
            COMMENT_PAGE,
            {**page, "after": seeded.deep_cursor},
            first_id=to_base64("Comment", str(seeded.comment_ids[args.deep])),
        ),
    ]
    headers = {"authorization": f"Bearer {seeded.viewer_token}"}
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    async with httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=30.0, limits=limits) as http:
        problems = await check_once(http, consultation, seeded, cases[2:], headers)
        results = [
            await measure(
                http,
                case,
                headers if case.signed_in else {},
                seconds=args.seconds,
                concurrency=args.concurrency,
                max_requests=args.max_requests,
                warmup=args.warmup,
            )
            for case in cases
        ]
    return results, problems


# --- the run ----------------------------------------------------------------------------------


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    sys.exit(128 + signum)  # so `finally` stops the server and the database


def report(seeded: Seeded, results: Sequence[Result], args: argparse.Namespace) -> None:
    print(
        f"\n{TITLE}: {len(seeded.comment_ids):,} comments ({seeded.published:,} published) from "
        f"{seeded.commenters:,} citizens, {seeded.agrees:,} agreements, {seeded.replies:,} official replies"
    )
    print(
        f"{args.seconds:g} s per operation, {args.concurrency} concurrent, HTTP on loopback, "
        "signed in as a demo citizen unless marked"
    )
    print(f"{'operation':<26} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for result in results:
        print(
            f"{result.name:<26} {result.requests:>9,} {result.rate:>8.0f} "
            f"{percentile(result.latencies, 0.50) * 1000:>8.1f} "
            f"{percentile(result.latencies, 0.99) * 1000:>8.1f} {result.errors:>7}"
        )
    for result in results:
        if result.first_error:
            print(f"first error of {result.name}: {result.first_error}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="measuring time per operation")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight at once")
    parser.add_argument("--max-requests", type=int, default=100_000, help="per operation, at most")
    parser.add_argument("--warmup", type=int, default=20, help="requests per operation before measuring")
    parser.add_argument("--comments", type=int, default=50_000)
    parser.add_argument("--citizens", type=int, default=5_000)
    parser.add_argument("--deep", type=int, default=25_000, help="the deep page starts after this many")
    parser.add_argument("--startup-timeout", type=float, default=60.0)
    args = parser.parse_args()
    if not 0 < args.deep <= args.comments - PAGE_SIZE:
        parser.error(f"--deep must be between 1 and --comments minus {PAGE_SIZE}")
    if args.seconds <= 0 or args.concurrency < 1 or args.max_requests < 1 or args.warmup < 0:
        parser.error("--seconds, --concurrency and --max-requests must be positive")
    scale = Scale(comments=args.comments, citizens=args.citizens, deep=args.deep)

    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    failed = True
    with tempfile.TemporaryDirectory(prefix="townhall-bench-") as temporary:
        root = Path(temporary)
        database = EmbeddedDatabase(root / "db")
        server: subprocess.Popen[bytes] | None = None
        log_path = root / "server.log"
        try:
            uri = database.start()
            settings = Settings(data_dir=root / "server", database_name=DB_NAME)
            print(f"seeding the embedded database ({uri}) ...", flush=True)
            seeded = asyncio.run(seed(uri, settings, scale))
            for step, seconds in seeded.timings.items():
                print(f"  {step:<32} {seconds:>6.1f} s")
            port = free_loopback_port()
            base_url = f"http://{HOST}:{port}"
            server = start_server(settings, uri, port, log_path)
            started = time.perf_counter()
            wait_until_ready(server, base_url, log_path, args.startup_timeout)
            print(f"server ready at {base_url} (pid {server.pid}) in {time.perf_counter() - started:.1f} s")
            results, problems = asyncio.run(run_cases(base_url, seeded, args))
            report(seeded, results, args)
            for message in problems:
                print(f"check failed: {message}", file=sys.stderr)
            failed = bool(problems) or any(result.errors for result in results)
        finally:
            if server is not None:
                stop_server(server)
                if failed:
                    print(f"server log ends with:\n{_tail(log_path)}", file=sys.stderr)
            database.stop()
            signal.signal(signal.SIGTERM, previous)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
