"""The expected failures of identity: a token that cannot be trusted, and a request that needs one."""

from __future__ import annotations

from models.common.errors import DomainError


class InvalidToken(DomainError):
    """A presented token is refused; the message says why without echoing the token or our keys."""

    code = "INVALID_TOKEN"


class Unauthenticated(DomainError):
    """The operation needs a signed-in person and the request carries no usable credentials."""

    code = "UNAUTHENTICATED"
