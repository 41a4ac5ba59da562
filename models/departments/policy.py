"""Who may act for a department: admins create them and act for any; officials for their own (and,
if the deployment says so, for the departments it supervises)."""

from __future__ import annotations

from dataclasses import dataclass

from models.common.actors import Actor, Role, require_role
from models.common.errors import Forbidden
from models.departments.documents import DepartmentDocument


@dataclass(frozen=True)
class DepartmentScope:
    """The deployment's rule: may an official also act for the departments below their own?"""

    include_sub_departments: bool = False


def require_may_create(actor: Actor) -> None:
    """Only admins create departments."""
    require_role(actor, Role.ADMIN)


def may_act_for(actor: Actor, department: DepartmentDocument, scope: DepartmentScope) -> bool:
    if actor.role is Role.ADMIN:
        return True
    if actor.role is not Role.OFFICIAL or actor.department_id is None:
        return False
    if department["_id"] == actor.department_id:
        return True
    return scope.include_sub_departments and actor.department_id in department.get("ancestors", [])


def require_authority(actor: Actor, department: DepartmentDocument, scope: DepartmentScope) -> None:
    if not actor.signed_in:
        raise Forbidden("sign in first")
    if not may_act_for(actor, department, scope):
        raise Forbidden(f"only officials of {department['name']['zh']} (or admins) may do this")
