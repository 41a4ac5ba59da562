"""Rules for creating departments."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pymongo.errors import DuplicateKeyError

from models.common.actors import Actor, Role, require_role
from models.common.clock import utcnow
from models.common.db import Database, Document
from models.common.errors import Conflict, InvalidInput, NotFound
from models.departments.documents import DEPARTMENTS
from models.departments.repository import find_by_code

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
MAX_NAME_LENGTH = 100


@dataclass(frozen=True)
class NewDepartment:
    code: str
    name_zh: str
    name_en: str = ""
    parent_code: str | None = None


def _clean_name(value: str, field: str, *, required: bool) -> str:
    name = " ".join(value.split())
    if required and not name:
        raise InvalidInput("a name is required", field=field)
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"a name can be at most {MAX_NAME_LENGTH} characters", field=field)
    return name


async def create_department(db: Database, actor: Actor, new: NewDepartment) -> Document:
    """Create a department (admins only); its parent is its supervising department."""
    require_role(actor, Role.ADMIN)
    code = new.code.strip().lower()
    if not CODE_PATTERN.fullmatch(code):
        raise InvalidInput(
            "a code is 2–40 lowercase letters, digits or hyphens, starting with a letter",
            field="code",
        )
    name_zh = _clean_name(new.name_zh, "nameZh", required=True)
    name_en = _clean_name(new.name_en, "nameEn", required=False)
    parent = None
    if new.parent_code:
        parent = await find_by_code(db, new.parent_code.strip().lower())
        if parent is None:
            raise NotFound(f"no department has the code {new.parent_code!r}", field="parentCode")
    document = DEPARTMENTS.new_document(
        {
            "code": code,
            "name": {"zh": name_zh, "en": name_en},
            "parent_id": parent["_id"] if parent else None,
            "ancestors": [*parent["ancestors"], parent["_id"]] if parent else [],
            "created_at": utcnow(),
        }
    )
    try:
        result = await DEPARTMENTS.of(db).insert_one(document)
    except DuplicateKeyError as exc:
        raise Conflict(f"a department with the code {code!r} exists already", field="code") from exc
    document["_id"] = result.inserted_id
    return document
