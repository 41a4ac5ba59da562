"""Expected failures as GraphQL types, and the one place that turns a DomainError into one of them."""

from __future__ import annotations

import dataclasses
from enum import Enum

import strawberry

from models.common import errors
from models.common.rate_limits import RateLimited
from models.consultations.errors import EditWindowClosed, ReportIncomplete, StaleEdit, WrongStage
from models.identity.errors import InvalidToken
from models.identity.staff import InvalidCredentials, TooManyAttempts
from models.moderation.errors import AlreadyReported, NotHolding


@strawberry.enum(description="What went wrong, for an app to switch on.")
class ErrorCode(Enum):
    INVALID_INPUT = "INVALID_INPUT"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    CONFLICT = "CONFLICT"
    INVALID_TOKEN = "INVALID_TOKEN"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    RATE_LIMITED = "RATE_LIMITED"
    STALE_EDIT = "STALE_EDIT"
    WRONG_STAGE = "WRONG_STAGE"
    EDIT_WINDOW_CLOSED = "EDIT_WINDOW_CLOSED"
    REPORT_INCOMPLETE = "REPORT_INCOMPLETE"
    NOT_HOLDING = "NOT_HOLDING"
    ALREADY_REPORTED = "ALREADY_REPORTED"


@strawberry.interface(description="An expected failure: nothing was changed.")
class UserError:
    code: ErrorCode
    message: str = strawberry.field(description="For people: what went wrong and what to do.")
    field: str | None = strawberry.field(description="The input field at fault, when one is.")


@strawberry.type(description="The input breaks a rule; `field` names it.")
class InvalidInputError(UserError):
    pass


@strawberry.type(description="The thing asked for does not exist or is not visible to you.")
class NotFoundError(UserError):
    pass


@strawberry.type(description="You may not do this.")
class ForbiddenError(UserError):
    pass


@strawberry.type(description="This clashes with the current state (a duplicate, a wrong stage).")
class ConflictError(UserError):
    pass


@strawberry.type(description="A token was refused (expired, revoked, reused or forged): sign in again.")
class InvalidTokenError(UserError):
    pass


@strawberry.type(description="The e-mail or the password is wrong (it never says which).")
class InvalidCredentialsError(UserError):
    pass


@strawberry.type(description="Too many attempts: wait `retryAfter` seconds, then try again.")
class RateLimitedError(UserError):
    retry_after: int = strawberry.field(description="Seconds to wait before trying again.")


@strawberry.type(description="Someone saved an edit since you loaded this: reload it and edit that revision.")
class StaleEditError(UserError):
    current_revision: int = strawberry.field(description="The revision stored now.")


@strawberry.type(description="Not possible in the stage this is in; the message names that stage.")
class WrongStageError(UserError):
    pass


@strawberry.type(description="A comment can be edited only in its first 15 minutes and before any reply.")
class EditWindowClosedError(UserError):
    pass


@strawberry.type(
    description="Some published comments have no outcome yet; the message says how many and where."
)
class ReportIncompleteError(UserError):
    pass


@strawberry.type(
    description="You do not hold this moderation item (your claim lapsed, or was never yours): claim again."
)
class NotHoldingError(UserError):
    pass


@strawberry.type(description="You have reported this content already.")
class AlreadyReportedError(UserError):
    pass


# Each error class's GraphQL type and code. A class without an entry takes its nearest base
# class's (a new Conflict subclass is a ConflictError until it gets a type of its own).
_ERROR_TYPES: dict[type[errors.DomainError], tuple[type[UserError], ErrorCode]] = {
    # A new direct subclass without an entry: the most general of these, not a masked error.
    errors.DomainError: (ConflictError, ErrorCode.CONFLICT),
    errors.InvalidInput: (InvalidInputError, ErrorCode.INVALID_INPUT),
    errors.NotFound: (NotFoundError, ErrorCode.NOT_FOUND),
    errors.Forbidden: (ForbiddenError, ErrorCode.FORBIDDEN),
    errors.Conflict: (ConflictError, ErrorCode.CONFLICT),
    InvalidToken: (InvalidTokenError, ErrorCode.INVALID_TOKEN),
    InvalidCredentials: (InvalidCredentialsError, ErrorCode.INVALID_CREDENTIALS),
    RateLimited: (RateLimitedError, ErrorCode.RATE_LIMITED),
    TooManyAttempts: (RateLimitedError, ErrorCode.RATE_LIMITED),
    StaleEdit: (StaleEditError, ErrorCode.STALE_EDIT),
    WrongStage: (WrongStageError, ErrorCode.WRONG_STAGE),
    EditWindowClosed: (EditWindowClosedError, ErrorCode.EDIT_WINDOW_CLOSED),
    ReportIncomplete: (ReportIncompleteError, ErrorCode.REPORT_INCOMPLETE),
    NotHolding: (NotHoldingError, ErrorCode.NOT_HOLDING),
    AlreadyReported: (AlreadyReportedError, ErrorCode.ALREADY_REPORTED),
}
_COMMON_FIELDS = {"code", "message", "field"}


def error_type(error_class: type[errors.DomainError]) -> tuple[type[UserError], ErrorCode]:
    """The GraphQL type and code of `error_class`: its own entry, else its nearest base class's."""
    for cls in error_class.__mro__:
        if cls in _ERROR_TYPES:
            return _ERROR_TYPES[cls]
    raise TypeError(f"{error_class.__name__} is not a DomainError")


def user_error(error: errors.DomainError) -> UserError:
    """`error` as its typed result; fields beyond code, message and field (retryAfter,
    currentRevision) are the error's own attributes of the same name."""
    result_type, code = error_type(type(error))
    extra = {
        item.name: getattr(error, item.name)
        for item in dataclasses.fields(result_type)
        if item.name not in _COMMON_FIELDS
    }
    return result_type(code=code, message=error.message, field=error.field, **extra)
