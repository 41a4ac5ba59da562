"""Rules for creating and renaming departments."""

from __future__ import annotations

from dataclasses import dataclass

from pymongo import ReturnDocument

from models.common.actors import Actor
from models.common.clock import utcnow
from models.common.db import Database
from models.common.errors import Conflict, NotFound
from models.common.repository import insert_unique
from models.common.text import bilingual_name, clean_code, clean_name
from models.departments.documents import DEPARTMENTS, DepartmentDocument
from models.departments.policy import DepartmentScope, require_authority, require_may_create
from models.departments.repository import find_by_code


@dataclass(frozen=True)
class NewDepartment:
    code: str
    name_zh: str
    name_en: str = ""
    parent_code: str | None = None


async def create_department(db: Database, actor: Actor, new: NewDepartment) -> DepartmentDocument:
    """Create a department (admins only); its parent is its supervising department."""
    require_may_create(actor)
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


@dataclass(frozen=True)
class DepartmentChanges:
    """A rename; None leaves a name as it is."""

    name_zh: str | None = None
    name_en: str | None = None


async def update_department(
    db: Database, actor: Actor, code: str, changes: DepartmentChanges, scope: DepartmentScope
) -> DepartmentDocument:
    """Rename a department: admins, or officials with authority over it (see policy.py)."""
    department = await find_by_code(db, code.strip().lower())
    if department is None:
        raise NotFound(f"no department has the code {code!r}", field="code")
    require_authority(actor, department, scope)
    updates: dict[str, object] = {}
    if changes.name_zh is not None:
        updates["name.zh"] = clean_name(changes.name_zh, "nameZh", required=True)
    if changes.name_en is not None:
        updates["name.en"] = clean_name(changes.name_en, "nameEn", required=False)
    if not updates:
        return department
    updated = await DEPARTMENTS.of(db).find_one_and_update(
        {"_id": department["_id"]}, {"$set": updates}, return_document=ReturnDocument.AFTER
    )
    if updated is None:
        raise NotFound(f"no department has the code {code!r}", field="code")
    return updated
