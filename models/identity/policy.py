"""Who may manage accounts: admins provision staff and set their status, but never disable their own
account (someone must be left to undo it)."""

from __future__ import annotations

from bson import ObjectId

from models.common.actors import Actor, Role, require_role
from models.common.errors import Forbidden
from models.identity.documents import Status


def require_staff_admin(actor: Actor) -> None:
    """Only admins create staff accounts and change their status."""
    require_role(actor, Role.ADMIN)


def refuse_disabling_oneself(actor: Actor, person_id: ObjectId, status: Status) -> None:
    if person_id == actor.person_id and status is not Status.ACTIVE:
        raise Forbidden("an admin cannot disable their own account; ask another admin")
