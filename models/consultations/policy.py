"""Who may change a consultation (officials of its department, or admins) and who may read it."""

from __future__ import annotations

from models.common.actors import Actor
from models.common.db import Database, Document
from models.common.errors import Forbidden, NotFound
from models.departments.policy import DepartmentScope, may_act_for, require_authority
from models.departments.repository import find_by_ids


async def department_of(db: Database, consultation: Document) -> Document:
    found = await find_by_ids(db, [consultation["department_id"]])
    department = found.get(consultation["department_id"])
    if department is None:
        raise NotFound("the consultation's department does not exist", field="departmentCode")
    return department


async def require_authority_over(
    db: Database, actor: Actor, consultation: Document, scope: DepartmentScope
) -> Document:
    """The consultation's department, once `actor` is shown to act for it (else Forbidden)."""
    if not actor.signed_in:
        raise Forbidden("sign in first")  # before loading anything more for an anonymous caller
    department = await department_of(db, consultation)
    require_authority(actor, department, scope)
    return department


def is_published(consultation: Document) -> bool:
    """Published once it opened; a draft (also a withdrawn or scheduled one) never was."""
    return consultation.get("published_at") is not None


def may_read(
    actor: Actor, consultation: Document, department: Document | None, scope: DepartmentScope
) -> bool:
    """Everyone reads what was published; drafts only those who act for the department."""
    if is_published(consultation):
        return True
    return department is not None and may_act_for(actor, department, scope)
