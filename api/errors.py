"""Errors as clients see them: expected ones with a code, unexpected ones masked with an error id."""

from __future__ import annotations

import json
import logging
import uuid

from graphql import GraphQLError
from starlette.responses import Response
from strawberry.relay.types import GlobalIDValueError

from models.common.errors import DomainError

log = logging.getLogger("townhall.errors")

INTERNAL = "INTERNAL_SERVER_ERROR"
VALIDATION = "GRAPHQL_VALIDATION_FAILED"


def _is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None:  # parse and validation errors carry no original
        return False
    return not isinstance(original, DomainError | GraphQLError | GlobalIDValueError)


def new_error_id() -> str:
    return uuid.uuid4().hex[:16]


def internal_message(error_id: str) -> str:
    return f"Something went wrong on our side. If it keeps happening, quote error id {error_id}."


def _masked(error: GraphQLError) -> GraphQLError:
    error_id = new_error_id()
    log.error(
        "unexpected error in a GraphQL operation",
        exc_info=error.original_error,
        extra={"error_id": error_id, "path": error.path},
    )
    return GraphQLError(
        internal_message(error_id),
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": INTERNAL, "errorId": error_id},
    )


def _coded(error: GraphQLError) -> GraphQLError:
    if error.extensions and "code" in error.extensions:
        return error
    original = error.original_error
    extensions: dict[str, object]
    if isinstance(original, DomainError):
        extensions = {"code": original.code}
        if original.field:
            extensions["field"] = original.field
    elif isinstance(original, GlobalIDValueError):
        extensions = {"code": "INVALID_INPUT"}
    elif error.path is None:
        extensions = {"code": VALIDATION}
    else:
        return error
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=original,
        extensions={**(error.extensions or {}), **extensions},
    )


def present_errors(errors: list[GraphQLError]) -> None:
    """Rewrite `errors` in place for clients: mask the unexpected, give the expected a code.

    Strawberry hands every error of an operation to `Schema.process_errors` exactly once,
    including errors raised outside the extensions' reach, and returns that same list.
    """
    for index, error in enumerate(errors):
        errors[index] = _masked(error) if _is_unexpected(error) else _coded(error)


def error_response(
    status: int, message: str, code: str, media_type: str = "application/json", **extensions: str
) -> Response:
    """A refusal outside GraphQL execution (transport, auth, downloads), shaped like GraphQL errors."""
    error = {"message": message, "extensions": {"code": code, **extensions}}
    body = json.dumps({"errors": [error]}, ensure_ascii=False)
    response = Response(body, status_code=status, media_type=media_type)
    if status == 401:
        response.headers["www-authenticate"] = 'Bearer error="invalid_token"'
    return response
