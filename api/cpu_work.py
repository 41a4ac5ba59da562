"""A small thread pool for CPU-heavy request work (parsing and validating large documents, encoding
large responses), so that one request cannot keep the event loop from answering the others."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

# Two threads: with the GIL, more would only take turns away from the loop thread.
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="townhall-cpu")


async def off_the_loop(work: Callable[[], T]) -> T:
    """Run `work` in the pool; pure-Python work there lets the loop run between its bytecodes."""
    return await asyncio.get_running_loop().run_in_executor(_POOL, work)
