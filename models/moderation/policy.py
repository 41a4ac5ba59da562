"""Who may moderate: moderators and admins work the queue (admins also its escalated items) and read
redacted originals; admins edit the reason codes and screening rules; an appeal goes to a moderator
other than the one who decided; staff who may read an item, and its author, see what was decided."""

from __future__ import annotations

from bson import ObjectId

from models.common.actors import Actor, Role, require_role
from models.common.errors import Forbidden
from models.moderation.documents import Audience, ModerationItemDocument


def require_moderator(actor: Actor) -> ObjectId:
    require_role(actor, Role.MODERATOR, Role.ADMIN)
    assert actor.person_id is not None
    return actor.person_id


def require_admin(actor: Actor) -> ObjectId:
    """Only admins change the reason codes and the screening rules."""
    require_role(actor, Role.ADMIN)
    assert actor.person_id is not None
    return actor.person_id


def require_other_moderator(person_id: ObjectId, item: ModerationItemDocument) -> None:
    """An appeal is decided by someone other than the moderator who made the decision."""
    decision = item["decision"]
    if decision is not None and decision["moderator_id"] == person_id:
        raise Forbidden("the original moderator cannot decide the appeal")


def audiences_of(actor: Actor) -> list[str]:
    """The items a staff member may claim: admins also take escalated ones."""
    if actor.role is Role.ADMIN:
        return [Audience.MODERATOR.value, Audience.ADMIN.value]
    return [Audience.MODERATOR.value]


def may_read(actor: Actor, item: ModerationItemDocument) -> bool:
    """Whether `actor` may read `item` (notes, the content however hidden): moderators the items of
    their audience, admins every item."""
    if actor.role not in (Role.MODERATOR, Role.ADMIN):
        return False
    return item.get("audience") in audiences_of(actor)


def may_read_outcome(actor: Actor, item: ModerationItemDocument) -> bool:
    """Whether `actor` may see what was decided about the content: its author, or staff who read the item."""
    return (actor.signed_in and item.get("author_id") == actor.person_id) or may_read(actor, item)
