"""Moderation's own DomainError subclasses (the base classes are in models/common/errors.py)."""

from __future__ import annotations

from models.common.errors import Conflict


class NotHolding(Conflict):
    """The moderator's lease on the item ended, or was never theirs."""

    code = "NOT_HOLDING"


class AlreadyReported(Conflict):
    """The person has reported this content in this round already."""

    code = "ALREADY_REPORTED"
