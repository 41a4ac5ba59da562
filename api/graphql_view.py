"""GraphQL over HTTP per the GraphQL-over-HTTP specification, and over graphql-transport-ws."""

from __future__ import annotations

import json
import uuid
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from api.logs import request_id_var
from models.common.actors import ANONYMOUS, Actor
from models.common.calendar import BusinessCalendar
from models.common.pagination import PageBounds
from resolvers.common.context import Context

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
_SUPPORTED = (GRAPHQL_RESPONSE, JSON)


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header; None when nothing acceptable is offered."""
    if not accept or not accept.strip():
        return JSON  # the spec's legacy default
    best: tuple[float, int, str] | None = None
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        candidates = {
            GRAPHQL_RESPONSE: [GRAPHQL_RESPONSE],
            JSON: [JSON],
            "application/*": [GRAPHQL_RESPONSE, JSON],
            "*/*": [GRAPHQL_RESPONSE, JSON],
        }.get(media.lower(), [])
        for candidate in candidates:
            if quality <= 0:
                continue
            rank = (quality, -_SUPPORTED.index(candidate), candidate)
            if best is None or rank > best:
                best = rank
    return best[2] if best else None


def is_request_error(result: ExecutionResult) -> bool:
    """Parse, validation and variable errors: no field ran, so no error has a path."""
    errors = result.errors or []
    return result.data is None and bool(errors) and all(error.path is None for error in errors)


class TownhallGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view, with media type negotiation, spec status codes and our context."""

    def __init__(
        self, *args: Any, page_bounds: PageBounds, calendar: BusinessCalendar, **kwargs: Any
    ) -> None:
        kwargs.setdefault("subscription_protocols", (GRAPHQL_TRANSPORT_WS_PROTOCOL,))
        super().__init__(*args, **kwargs)
        self.page_bounds = page_bounds
        self.calendar = calendar

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive=receive)
        media_type = negotiate(request.headers.get("accept"))
        if media_type is None and not self.should_render_graphql_ide(self.request_adapter_class(request)):
            response: Response = self._error_response(
                406, f"Ask for {GRAPHQL_RESPONSE} or {JSON} in the Accept header.", JSON
            )
        else:
            request.state.media_type = media_type or JSON
            try:
                response = await self.run(request)
            except HTTPException as error:
                response = self._error_response(error.status_code, error.reason, request.state.media_type)
                if error.status_code == 405:
                    response.headers["allow"] = "GET, POST" if request.method != "GET" else "POST"
        await response(scope, receive, send)

    @staticmethod
    def _error_response(status: int, message: str, media_type: str) -> Response:
        body = json.dumps({"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]})
        return Response(body, status_code=status, media_type=media_type)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        state = request.app.state
        return Context(
            db=state.db,
            actor=await self.authenticate(request),
            request_id=request_id_var.get() or uuid.uuid4().hex,
            page_bounds=self.page_bounds,
            live_feed=state.live_feed,
            calendar=self.calendar,
            request=request,
            response=response,
        )

    async def authenticate(self, request: Request | WebSocket) -> Actor:
        """Who is calling. Sign-in arrives with the identity issue; until then, nobody."""
        return ANONYMOUS

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = getattr(request.state, "media_type", JSON)
        return sub_response

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        try:
            return await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        except HTTPException as error:
            if isinstance(error.__cause__, InvalidOperationTypeError):
                # Mutations over GET: the spec asks for 405 Method Not Allowed.
                raise HTTPException(405, "Send mutations with POST.") from error
            raise

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        response = process_result(result)
        if getattr(request.state, "media_type", JSON) == GRAPHQL_RESPONSE and is_request_error(result):
            response.pop("data", None)
        return response

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        media_type = sub_response.media_type or JSON
        request_error = media_type == GRAPHQL_RESPONSE and (
            isinstance(response_data, dict) and "data" not in response_data and "errors" in response_data
        )
        response = Response(
            self.encode_json(response_data),
            status_code=400 if request_error else (sub_response.status_code or 200),
            media_type=media_type,
        )
        for key, value in sub_response.headers.items():
            if key.lower() != "content-type":
                response.headers[key] = value
        if sub_response.background:
            response.background = sub_response.background
        return response
