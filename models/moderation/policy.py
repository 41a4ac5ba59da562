"""Who may moderate: moderators and admins work the queue (admins also its escalated items); staff
who may read an item, and its author, see what was decided about it."""

from __future__ import annotations

from bson import ObjectId

from models.common.actors import Actor, Role, require_role
from models.common.db import Document
from models.moderation.documents import Audience


def require_moderator(actor: Actor) -> ObjectId:
    require_role(actor, Role.MODERATOR, Role.ADMIN)
    assert actor.person_id is not None
    return actor.person_id


def audiences_of(actor: Actor) -> list[str]:
    """The items a staff member may claim: admins also take escalated ones."""
    if actor.role is Role.ADMIN:
        return [Audience.MODERATOR.value, Audience.ADMIN.value]
    return [Audience.MODERATOR.value]


def may_read(actor: Actor, item: Document) -> bool:
    """Whether `actor` may read `item` (notes, the content however hidden): moderators the items of
    their audience, admins every item."""
    if actor.role not in (Role.MODERATOR, Role.ADMIN):
        return False
    return item.get("audience") in audiences_of(actor)


def may_read_outcome(actor: Actor, item: Document) -> bool:
    """Whether `actor` may see what was decided about the content: its author, or staff who read the item."""
    return (actor.signed_in and item.get("author_id") == actor.person_id) or may_read(actor, item)
