"""Who is acting: a person's role and department, as every rule in models/ sees them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bson import ObjectId

from models.common.errors import Forbidden


class Role(StrEnum):
    CITIZEN = "citizen"
    HELPER = "helper"
    OFFICIAL = "official"
    MODERATOR = "moderator"
    ADMIN = "admin"


@dataclass(frozen=True)
class Actor:
    """The signed-in person (or nobody); built by api/ from a verified token, trusted by models/."""

    person_id: ObjectId | None = None
    role: Role | None = None
    department_id: ObjectId | None = None
    session_id: str | None = None  # the sign-in session a token belongs to (for signing out)

    @property
    def signed_in(self) -> bool:
        return self.person_id is not None


ANONYMOUS = Actor()

# The command line acts with an operator's authority: it needs local access to the database.
COMMAND_LINE = Actor(person_id=ObjectId("000000000000000000000000"), role=Role.ADMIN)


def require_role(actor: Actor, *roles: Role) -> None:
    if not actor.signed_in:
        raise Forbidden("sign in first")
    if actor.role not in roles:
        allowed = ", ".join(role.value for role in roles)
        raise Forbidden(f"only {allowed} may do this")
