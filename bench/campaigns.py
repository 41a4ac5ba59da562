"""Prints comment inserts per second with campaign grouping, and the campaign sizes found vs. those planted.

Run: `.venv/bin/python bench/campaigns.py [--ordinary 2000] [--campaign 1000] [--seed 7]`.

Starts the embedded database in a temporary directory, opens one consultation and submits the
seeded corpus of bench/near_duplicates.py (ordinary comments, five in their own words about the
campaign's subject, and variants of one circulated text) one by one through `submit_comment`, each
by a different citizen, the way the API stores them: screening, counters, band keys and grouping.
It prints the insert rate per block of comments (flat blocks mean the work per insert does not grow
with the consultation), the time spent grouping, and the largest campaign against the planted one:
recall is the share of the planted variants in it, precision the share of it that are variants.
Exits non-zero when recall < 95% or precision < 98%.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bson import ObjectId
from near_duplicates import corpus  # the generator of bench/near_duplicates.py

from api.embedded_db import EmbeddedDatabase
from models.catalog import ensure_indexes
from models.common.actors import COMMAND_LINE, Actor, Role
from models.common.db import Database, connect
from models.consultations import comments
from models.consultations.clauses import ClauseText
from models.consultations.documents import CAMPAIGNS, COMMENTS, Stance
from models.consultations.service import NewConsultation, create_draft, publish
from models.departments.policy import DepartmentScope
from models.departments.service import NewDepartment, create_department

BLOCK = 500


async def open_consultation(db: Database) -> ObjectId:
    department = await create_department(
        db, COMMAND_LINE, NewDepartment(code="planning", name_zh="规划局", name_en="Planning")
    )
    official = Actor(person_id=ObjectId(), role=Role.OFFICIAL, department_id=department["_id"])
    now = dt.datetime.now(dt.UTC)
    draft = await create_draft(
        db,
        official,
        NewConsultation(
            department_code="planning",
            title="滨江片区控制性详细规划调整（征求意见稿）",
            summary="调整滨江片区部分地块用途，征求市民意见。",
            clauses=[ClauseText("第一条", "滨江公园北侧地块调整为住宅用地。")],
            opens_at=now,
            closes_at=now + dt.timedelta(days=30),
        ),
        DepartmentScope(),
    )
    published = await publish(db, official, draft["_id"], DepartmentScope())
    consultation_id: ObjectId = published["_id"]
    return consultation_id


async def run(uri: str, args: argparse.Namespace) -> int:
    client = connect(uri)
    db = client["bench_campaigns"]
    await client.drop_database(db.name)
    await ensure_indexes(db)
    consultation_id = await open_consultation(db)
    texts = corpus(args.ordinary, args.campaign, args.seed)

    grouping = 0.0
    join = comments.join_campaign

    async def timed_join(*call: Any, **options: Any) -> ObjectId | None:
        nonlocal grouping
        started = time.perf_counter()
        try:
            return await join(*call, **options)
        finally:
            grouping += time.perf_counter() - started

    comments.join_campaign = timed_join
    planted: dict[ObjectId, bool] = {}
    started = block_started = time.perf_counter()
    for n, item in enumerate(texts, start=1):
        author = Actor(person_id=ObjectId(), role=Role.CITIZEN)
        stored = await comments.submit_comment(
            db, author, comments.NewComment(consultation_id, None, Stance.OPPOSE, item.text)
        )
        planted[stored["_id"]] = item.in_campaign
        if n % BLOCK == 0 or n == len(texts):
            size = n % BLOCK or BLOCK
            rate = size / (time.perf_counter() - block_started)
            print(f"comments {n - size + 1:>6,}–{n:<6,} {rate:7.1f} inserts/s")
            block_started = time.perf_counter()
    total = time.perf_counter() - started
    print(
        f"{len(texts):,} inserts in {total:.1f} s: {len(texts) / total:.1f} inserts/s, "
        f"of which grouping {grouping:.1f} s ({grouping / len(texts) * 1000:.1f} ms per insert)"
    )

    statuses = Counter([c["status"] async for c in COMMENTS.of(db).find({}, {"status": 1})])
    print(f"statuses: {dict(statuses)}")
    campaigns = await CAMPAIGNS.of(db).find({}, sort=[("size", -1)]).to_list()
    members: dict[ObjectId, list[ObjectId]] = {campaign["_id"]: [] for campaign in campaigns}
    async for comment in COMMENTS.of(db).find({"campaign_id": {"$ne": None}}, {"campaign_id": 1}):
        if (campaign_id := comment.get("campaign_id")) is not None:  # as the query asks
            members[campaign_id].append(comment["_id"])
    by_members = sorted(members.items(), key=lambda item: len(item[1]), reverse=True)
    largest = by_members[0][1] if by_members else []
    real = sum(1 for comment_id in largest if planted[comment_id])
    recall = real / args.campaign if args.campaign else 1.0
    precision = real / len(largest) if largest else 0.0
    sizes = {campaign["_id"]: campaign["size"] for campaign in campaigns}
    print(
        f"planted: one campaign of {args.campaign:,} variants among {len(texts):,} comments; "
        f"found {len(campaigns):,} campaigns"
    )
    if by_members:
        print(
            f"largest: {len(largest):,} members ({sizes[by_members[0][0]]:,} published = its size), "
            f"{real:,} of them planted variants"
        )
    print(f"recall {recall:.2%}  precision {precision:.2%}")
    others = [len(ids) for _, ids in by_members[1:]]
    split = sum(1 for _, ids in by_members[1:] for comment_id in ids if planted[comment_id])
    print(
        f"other campaigns: {len(others):,} with {sum(others):,} members ({split:,} of them planted "
        f"variants, split from the largest); sizes {others[:20]}"
    )
    await client.drop_database(db.name)
    await client.close()
    return 0 if recall >= 0.95 and precision >= 0.98 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ordinary", type=int, default=2_000)
    parser.add_argument("--campaign", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data, EmbeddedDatabase(Path(data)) as server:
        return asyncio.run(run(server.uri, args))


if __name__ == "__main__":
    sys.exit(main())
