"""Rules for creating departments."""

from __future__ import annotations

from dataclasses import dataclass

from models.common.actors import Actor, Role, require_role
from models.common.clock import utcnow
from models.common.db import Database, Document
from models.common.errors import Conflict, NotFound
from models.common.repository import insert_unique
from models.common.text import bilingual_name, clean_code
from models.departments.documents import DEPARTMENTS
from models.departments.repository import find_by_code


@dataclass(frozen=True)
class NewDepartment:
    code: str
    name_zh: str
    name_en: str = ""
    parent_code: str | None = None


async def create_department(db: Database, actor: Actor, new: NewDepartment) -> Document:
    """Create a department (admins only); its parent is its supervising department."""
    require_role(actor, Role.ADMIN)
    code = clean_code(new.code)
    name = bilingual_name(new.name_zh, new.name_en)
    parent = None
    if new.parent_code:
        parent = await find_by_code(db, new.parent_code.strip().lower())
        if parent is None:
            raise NotFound(f"no department has the code {new.parent_code!r}", field="parentCode")
    document = DEPARTMENTS.new_document(
        {
            "code": code,
            "name": name,
            "parent_id": parent["_id"] if parent else None,
            "ancestors": [*parent["ancestors"], parent["_id"]] if parent else [],
            "created_at": utcnow(),
        }
    )
    return await insert_unique(
        DEPARTMENTS.of(db),
        document,
        Conflict(f"a department with the code {code!r} exists already", field="code"),
    )
