"""Who may change districts: admins only (anyone may read them)."""

from __future__ import annotations

from models.common.actors import Actor, Role, require_role


def require_may_create(actor: Actor) -> None:
    """Only admins create districts; anyone else is refused with Forbidden."""
    require_role(actor, Role.ADMIN)
