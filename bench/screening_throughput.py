"""Prints how many comments per second automatic screening handles, stage by stage, on realistic text.

Run: `.venv/bin/python bench/screening_throughput.py [--comments 20000] [--seed 7]`. The corpus is
the near-duplicate bench's (ordinary city comments and a campaign), with personal data and
lexicon evasions sprinkled into a share of it, so every detector has work to do.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from near_duplicates import corpus

from moderation.detectors.lexicon import Lexicon
from moderation.detectors.near_duplicates import band_keys, signature
from moderation.detectors.personal_data import find_personal_data
from moderation.screening import screen_comment

SPRINKLES = ["请打13812345678联系", "邮箱zhang.san@example.cn", "车牌粤B12345", "加 微 信了解", "代開發票"]


def texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    items = [comment.text for comment in corpus(ordinary=count * 3 // 4, campaign=count // 4, seed=seed)]
    # One comment in ten carries personal data or an (evasive) lexicon hit.
    return [text + rng.choice(SPRINKLES) if rng.random() < 0.1 else text for text in items]


def rate(label: str, items: list[str], work: Callable[[str], Any]) -> tuple[str, float, int]:
    started = time.perf_counter()
    flagged = sum(1 for text in items if work(text))
    seconds = time.perf_counter() - started
    return label, len(items) / seconds, flagged


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    items = texts(args.comments, args.seed)
    lexicon = Lexicon.starter()
    mean = sum(map(len, items)) / len(items)
    print(f"{len(items):,} comments, mean {mean:.0f} characters, seed {args.seed}")
    print(f"{'stage':<34} {'items/s':>10} {'flagged':>9}")
    for label, per_second, flagged in (
        rate("personal data", items, find_personal_data),
        rate("lexicon (starter lists)", items, lexicon.find),
        rate("screen_comment (both, inline)", items, lambda t: screen_comment(t, premoderated=False).reasons),
        rate("near-duplicate signature + keys", items, lambda t: band_keys(signature(t))),
    ):
        print(f"{label:<34} {per_second:>10,.0f} {flagged:>9,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
