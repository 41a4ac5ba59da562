"""Test data made through the services, the way the CLI and the app make it."""

from __future__ import annotations

from models.common.actors import COMMAND_LINE
from models.common.db import Database, Document
from models.departments.service import NewDepartment, create_department


async def make_department(
    db: Database, code: str, *, name_zh: str | None = None, parent_code: str | None = None
) -> Document:
    return await create_department(
        db,
        COMMAND_LINE,
        NewDepartment(
            code=code, name_zh=name_zh or f"{code}局", name_en=code.title(), parent_code=parent_code
        ),
    )
