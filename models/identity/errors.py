"""The expected failures of identity: a token that cannot be trusted, and sign-in refusals."""

from __future__ import annotations

from models.common.errors import DomainError


class InvalidToken(DomainError):
    """A presented token is refused; the message says why without echoing the token or our keys."""

    code = "INVALID_TOKEN"


class InvalidCredentials(DomainError):
    """The e-mail or the password is wrong; deliberately never says which."""

    code = "INVALID_CREDENTIALS"


class TooManyAttempts(DomainError):
    """Password attempts at this e-mail are paused; `retry_after` is in whole seconds.

    The same code as a rate limit (models.common.rate_limits.RateLimited): to the app both mean
    "wait `retry_after` seconds".
    """

    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after
