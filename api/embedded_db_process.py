"""Entry point of the embedded database child process: nx-27017 with Townhall's compatibility fixes.

Each fix makes nx-27017 behave as MongoDB does for a feature Townhall relies on; each has a
conformance test (tests/conformance) that fails without it, so it can be removed once
nx-27017 behaves by itself.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from typing import Any


def _carries_datetime(update_spec: dict[str, Any]) -> bool:
    return any(
        isinstance(value, dt.datetime)
        for operator in update_spec.values()
        if isinstance(operator, dict)
        for value in operator.values()
    )


def install_datetime_set_fix() -> None:
    """Keep datetimes written by a top-level `$set` as dates, not strings.

    neosqlite's SQL update path guards binary values but not datetimes, and stores them as
    ISO strings. Declining the SQL path for updates that carry a datetime sends them through
    the Python path, which keeps the type; other updates keep the fast path.
    """
    from neosqlite.collection.query_helper._sql_updates import SqlUpdatesMixin

    original: Callable[..., bool] = SqlUpdatesMixin._can_use_sql_updates
    if getattr(original, "townhall_fix", False):
        return

    def can_use_sql_updates(
        self: Any, update_spec: dict[str, Any], doc_id: int, original_doc: Any = None
    ) -> bool:
        if _carries_datetime(update_spec):
            return False
        return original(self, update_spec, doc_id, original_doc)

    can_use_sql_updates.townhall_fix = True  # type: ignore[attr-defined]
    SqlUpdatesMixin._can_use_sql_updates = can_use_sql_updates  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> None:
    """Run nx-27017 in the foreground with the fixes installed; arguments are nx-27017's."""
    fixes_enabled = "--without-fixes" not in (argv or sys.argv[1:])
    args = [arg for arg in (argv or sys.argv[1:]) if arg != "--without-fixes"]
    if fixes_enabled:
        install_datetime_set_fix()
    from nx_27017.nx_27017 import main as nx_main

    sys.argv = ["nx-27017", *args]
    nx_main()


if __name__ == "__main__":
    main()
