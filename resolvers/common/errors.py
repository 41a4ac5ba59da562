"""Expected failures as GraphQL types, and the one place that turns a DomainError into one of them."""

from __future__ import annotations

from enum import Enum

import strawberry

from models.common import errors
from models.identity.errors import InvalidToken


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


_ERROR_TYPES: dict[str, type[UserError]] = {
    InvalidToken.code: InvalidTokenError,
    "INVALID_CREDENTIALS": InvalidCredentialsError,
    errors.InvalidInput.code: InvalidInputError,
    errors.NotFound.code: NotFoundError,
    errors.Forbidden.code: ForbiddenError,
    errors.Conflict.code: ConflictError,
    ErrorCode.WRONG_STAGE.value: WrongStageError,
    ErrorCode.EDIT_WINDOW_CLOSED.value: EditWindowClosedError,
    ErrorCode.REPORT_INCOMPLETE.value: ReportIncompleteError,
    ErrorCode.NOT_HOLDING.value: NotHoldingError,
    ErrorCode.ALREADY_REPORTED.value: AlreadyReportedError,
}


def user_error(error: errors.DomainError) -> UserError:
    if error.code == ErrorCode.RATE_LIMITED.value:
        retry_after = max(1, int(getattr(error, "retry_after", 1)))
        return RateLimitedError(
            code=ErrorCode.RATE_LIMITED, message=error.message, field=error.field, retry_after=retry_after
        )
    if error.code == ErrorCode.STALE_EDIT.value:
        return StaleEditError(
            code=ErrorCode.STALE_EDIT,
            message=error.message,
            field=error.field,
            current_revision=int(getattr(error, "current_revision", 0)),
        )
    error_type = _ERROR_TYPES[error.code]
    return error_type(code=ErrorCode(error.code), message=error.message, field=error.field)
