"""File downloads beside GraphQL: a consultation's comments as CSV, for officials of its department."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from strawberry.relay import GlobalID
from strawberry.relay.types import GlobalIDValueError

from api.authentication import BEARER_HINT, authenticate_header
from api.errors import error_response
from models.common.errors import DomainError, Forbidden, NotFound
from models.common.ids import parse_object_id
from models.consultations.export import export_comments_csv
from models.identity.errors import InvalidToken
from resolvers.common.context import Services


def _status(error: DomainError) -> int:
    # By class, as resolvers/common/errors.py maps them: a subclass answers as its base.
    return 404 if isinstance(error, NotFound) else 403 if isinstance(error, Forbidden) else 400


def comments_csv(services: Services) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint `GET /consultations/{id}/comments.csv` (`id`: the consultation's global id)."""

    async def endpoint(request: Request) -> Response:
        db = request.app.state.db
        try:
            signed_in = await authenticate_header(db, services.tokens, request.headers.get("authorization"))
        except InvalidToken as error:
            return error_response(401, error.message, error.code)
        if signed_in is None:
            return error_response(401, BEARER_HINT, InvalidToken.code)
        try:
            global_id = GlobalID.from_id(request.path_params["id"])
            if global_id.type_name != "Consultation":
                raise NotFound("no consultation has this id", field="id")
            consultation_id = parse_object_id(global_id.node_id)
            chunks: AsyncIterator[str] = await export_comments_csv(
                db, signed_in.actor, consultation_id, services.department_scope, services.calendar.time_zone
            )
        except GlobalIDValueError:
            return error_response(404, "no consultation has this id", NotFound.code)
        except DomainError as error:
            return error_response(_status(error), error.message, error.code)
        filename = f"consultation-{consultation_id}-comments.csv"
        return StreamingResponse(
            (chunk.encode() async for chunk in chunks),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{filename}"'},
        )

    return endpoint
