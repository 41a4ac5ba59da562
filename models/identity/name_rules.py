"""The rule citizens' public names obey beyond screening: none may pass for staff or the service."""

from __future__ import annotations

from models.common.actors import Role
from models.common.db import Database
from models.common.errors import InvalidInput
from models.departments.documents import DEPARTMENTS
from models.identity.documents import PEOPLE
from moderation.detectors.impersonation import DEPARTMENT, STAFF_NAME, staff_lookalike

STAFF_ROLE_VALUES = [Role.HELPER.value, Role.OFFICIAL.value, Role.MODERATOR.value, Role.ADMIN.value]


async def refuse_staff_lookalike(db: Database, name: str) -> None:
    """Raise InvalidInput (field publicName) if `name` contains a department's name or short name,
    a role word (管理员, 系统, 官方, 客服, admin, official…), or is a staff member's public name.

    Departments and staff are read on each name change: both are few, and a rename is rare.
    """
    departments = [
        (str(document["name"]["zh"]), document["name"].get("en"))
        async for document in DEPARTMENTS.of(db).find({}, {"name": 1})
    ]
    staff_names = [
        str(document["public_name"])
        async for document in PEOPLE.of(db).find({"role": {"$in": STAFF_ROLE_VALUES}}, {"public_name": 1})
    ]
    found = staff_lookalike(name, departments=departments, staff_names=staff_names)
    if found is None:
        return
    if found.kind == STAFF_NAME:
        message = "this is a staff member's public name; choose another"
    elif found.kind == DEPARTMENT:
        message = (
            f"a public name may not contain a department's name ({found.word}): it would pass for an official"
        )
    else:
        message = f"a public name may not contain “{found.word}”: it would pass for staff or the service"
    raise InvalidInput(message, field="publicName")
