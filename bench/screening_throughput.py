"""Prints how many comments per second automatic screening handles, stage by stage, on realistic text.

Run: `.venv/bin/python bench/screening_throughput.py [--comments 20000] [--submissions 3000]
[--mongodb-uri URI] [--seed 7]`. The corpus is the near-duplicate bench's (ordinary city comments and
a campaign), with personal data, lexicon evasions, links and repeated characters sprinkled into a
share of it, so every detector has work to do. The pure stages run over `--comments` texts; then
`screen_submission` (the stored rules' version check and the flood counters included) runs over
`--submissions` of them by 500 authors, one at a time and 16 at a time, against an embedded database
in a temporary directory, or the MongoDB at `--mongodb-uri` (a database of its own, dropped after).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bson import ObjectId
from near_duplicates import corpus

from api.embedded_db import EmbeddedDatabase
from models.catalog import ensure_indexes
from models.common.clock import utcnow
from models.common.db import Database, connect
from models.moderation.screen import screen_submission
from moderation.detectors.lexicon import Lexicon
from moderation.detectors.near_duplicates import band_keys, signature
from moderation.detectors.personal_data import find_personal_data
from moderation.detectors.spam import STARTER_ALLOWED_DOMAINS, AllowList, disallowed_links, find_repeats
from moderation.screening import screening_of, text_findings

SPRINKLES = [
    "请打13812345678联系",
    "邮箱zhang.san@example.cn",
    "车牌粤B12345",
    "加 微 信了解",
    "代開發票",
    "详见 www.hao123youhui.top",
    "原文 https://www.linchuan.gov.cn/zwgk/1.html",
    "气死了啊啊啊啊啊啊啊啊",
]
AUTHORS = 500
CONCURRENCY = 16


def texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    items = [comment.text for comment in corpus(ordinary=count * 3 // 4, campaign=count // 4, seed=seed)]
    # One comment in ten carries personal data, an (evasive) lexicon hit, a link or a repeated character.
    return [text + rng.choice(SPRINKLES) if rng.random() < 0.1 else text for text in items]


def rate(label: str, items: list[str], work: Callable[[str], Any]) -> tuple[str, float, int]:
    started = time.perf_counter()
    flagged = sum(1 for text in items if work(text))
    seconds = time.perf_counter() - started
    return label, len(items) / seconds, flagged


async def _submissions(
    db: Database, items: list[str], seed: int, concurrency: int
) -> tuple[float, int, list[float]]:
    """Items per second, how many were held, and each call's latency in milliseconds."""
    rng = random.Random(seed)
    authors = [ObjectId() for _ in range(AUTHORS)]
    jobs = [(rng.choice(authors), text) for text in items]
    latencies: list[float] = []
    held = 0

    async def one(author: ObjectId, text: str) -> None:
        nonlocal held
        started = time.perf_counter()
        screening = await screen_submission(
            db, author_id=author, text=text, premoderated=False, scope="consultation:bench", now=utcnow()
        )
        latencies.append((time.perf_counter() - started) * 1000)
        held += bool(screening.reasons)

    started = time.perf_counter()
    for offset in range(0, len(jobs), concurrency):
        await asyncio.gather(*(one(author, text) for author, text in jobs[offset : offset + concurrency]))
    return len(jobs) / (time.perf_counter() - started), held, latencies


async def _measure_submissions(uri: str, items: list[str], seed: int) -> None:
    client = connect(uri)
    name = f"bench_screening_{uuid.uuid4().hex[:8]}"
    try:
        db = client[name]
        await ensure_indexes(db)
        await screen_submission(  # compiles and caches the rules, as the first submission of a process does
            db, author_id=ObjectId(), text="预热", premoderated=False, scope="warm-up", now=utcnow()
        )
        print(
            f"\nscreen_submission on {len(items):,} submissions by {AUTHORS} authors ({uri.split('@')[-1]})"
        )
        print(f"{'calls at a time':<34} {'items/s':>10} {'held':>9} {'p50 ms':>8} {'p95 ms':>8}")
        for concurrency in (1, CONCURRENCY):
            per_second, held, latencies = await _submissions(db, items, seed + concurrency, concurrency)
            p50 = statistics.median(latencies)
            p95 = statistics.quantiles(latencies, n=20)[-1]
            print(f"{concurrency:<34} {per_second:>10,.0f} {held:>9,} {p50:>8.2f} {p95:>8.2f}")
    finally:
        await client.drop_database(name)
        await client.close()


def measure_submissions(uri: str | None, items: list[str], seed: int) -> None:
    if uri:
        asyncio.run(_measure_submissions(uri, items, seed))
        return
    with tempfile.TemporaryDirectory(prefix="townhall-bench-") as temporary:
        database = EmbeddedDatabase(Path(temporary) / "db")
        try:
            asyncio.run(_measure_submissions(database.start(), items, seed))
        finally:
            database.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=20_000)
    parser.add_argument("--submissions", type=int, default=3_000, help="0 skips the database part")
    parser.add_argument("--mongodb-uri", default=None, help="default: an embedded database of its own")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    items = texts(args.comments, args.seed)
    lexicon = Lexicon.starter()
    allowed = AllowList(STARTER_ALLOWED_DOMAINS)
    mean = sum(map(len, items)) / len(items)
    print(f"{len(items):,} comments, mean {mean:.0f} characters, seed {args.seed}")
    print(f"{'stage':<34} {'items/s':>10} {'flagged':>9}")
    for label, per_second, flagged in (
        rate("personal data", items, find_personal_data),
        rate("lexicon (starter lists)", items, lexicon.find),
        rate("links off the allow-list", items, lambda t: disallowed_links(t, allowed)),
        rate("repeated characters", items, find_repeats),
        rate(
            "screening (text checks)",
            items,
            lambda t: screening_of(text_findings(t), premoderated=False).reasons,
        ),
        rate("near-duplicate signature + keys", items, lambda t: band_keys(signature(t))),
    ):
        print(f"{label:<34} {per_second:>10,.0f} {flagged:>9,}")
    if args.submissions > 0:
        measure_submissions(args.mongodb_uri, items[: args.submissions], args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
