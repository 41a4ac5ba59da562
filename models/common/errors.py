"""The one base class of expected failures; rules raise its subclasses, resolvers turn them into results."""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """An expected failure with a stable code an app can switch on, and a message a person can read."""

    code: ClassVar[str] = "DOMAIN_ERROR"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    """The input breaks a rule; `field` names the offending input field."""

    code = "INVALID_INPUT"


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the caller)."""

    code = "NOT_FOUND"


class Forbidden(DomainError):
    """The caller may not do this."""

    code = "FORBIDDEN"


class Conflict(DomainError):
    """The request clashes with the current state: a duplicate, a wrong stage, a lost race."""

    code = "CONFLICT"
