"""Who may read and change notifications: each person only their own inbox, devices, settings and
follows; nobody signed in has none."""

from __future__ import annotations

from bson import ObjectId

from models.common.actors import Actor
from models.common.errors import Forbidden


def person_of(actor: Actor) -> ObjectId:
    """The signed-in person's id; nobody signed in is refused."""
    if actor.person_id is None:
        raise Forbidden("sign in first")
    return actor.person_id
