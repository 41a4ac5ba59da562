"""GraphQL over HTTP per the GraphQL-over-HTTP specification, and over graphql-transport-ws."""

from __future__ import annotations

import uuid
from typing import Any, cast

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError, OperationType, get_operation_ast, parse
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from api import request_json, response_encoding, unicode_input
from api.authentication import authenticate_header
from api.errors import error_response
from api.graphiql import page as graphiql_page
from api.graphql_ws import (
    PendingSockets,
    TownhallTransportWSHandler,
    TownhallWebSocketAdapter,
    WebSocketLimits,
)
from api.logs import request_id_var
from models.common import idempotency
from models.common.actors import ANONYMOUS
from models.common.db import Database
from models.common.errors import InvalidInput
from models.identity import sessions
from models.identity.errors import InvalidToken
from resolvers.common.context import Context, Services
from resolvers.identity.loaders import PERSON_BY_ID

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
_SUPPORTED = (GRAPHQL_RESPONSE, JSON)
DEFAULT_WEBSOCKET_LIMITS = WebSocketLimits()


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
            # A wildcard is what a client sends when it names no GraphQL media type (fetch's
            # default): the spec's audits want application/json there, as for no Accept at all.
            "application/*": [JSON],
            "*/*": [JSON],
        }.get(media.lower(), [])
        for candidate in candidates:
            if quality <= 0:
                continue
            rank = (quality, -_SUPPORTED.index(candidate), candidate)
            if best is None or rank > best:
                best = rank
    return best[2] if best else None


def _mutation_payload(body: bytes, max_tokens: int) -> dict[str, Any] | None:
    """The parts of a request that make it "the same request", when it is one mutation; else None.

    Parsed with the same token bound as every document, so this early look costs no more."""
    try:
        data = request_json.decode(body)
        if not isinstance(data, dict):
            return None
        document = parse(data["query"], max_tokens=max_tokens)
    except (ValueError, KeyError, TypeError, GraphQLError):
        return None  # not a well-formed request: let the normal path answer it
    operation = get_operation_ast(document, data.get("operationName"))
    if operation is None or operation.operation != OperationType.MUTATION:
        return None
    return {
        "query": data["query"],
        "variables": data.get("variables"),
        "operationName": data.get("operationName"),
    }


def _sign_in(context: Context, signed_in: sessions.Authenticated | None) -> None:
    """Act as the authenticated person; their document, read to check them, serves `me` too."""
    if signed_in is None or signed_in.actor.person_id is None:
        return
    context.actor = signed_in.actor
    context.loaders[PERSON_BY_ID].prime(signed_in.actor.person_id, signed_in.person)


def is_request_error(result: ExecutionResult) -> bool:
    """Parse, validation and variable errors: no field ran, so no error has a path."""
    errors = result.errors or []
    return result.data is None and bool(errors) and all(error.path is None for error in errors)


class TownhallGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view, with media type negotiation, spec status codes and our context."""

    websocket_adapter_class = TownhallWebSocketAdapter
    graphql_transport_ws_handler_class = TownhallTransportWSHandler

    def __init__(
        self,
        *args: Any,
        services: Services,
        max_tokens: int,
        websocket_limits: WebSocketLimits = DEFAULT_WEBSOCKET_LIMITS,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("subscription_protocols", (GRAPHQL_TRANSPORT_WS_PROTOCOL,))
        kwargs.setdefault("connection_init_wait_timeout", websocket_limits.init_timeout)
        super().__init__(*args, **kwargs)
        self.services = services
        self.max_tokens = max_tokens
        self.websocket_limits = websocket_limits
        self.pending_sockets = PendingSockets(websocket_limits.max_pending_per_address)

    def decode_json(self, data: str | bytes) -> object:
        """Request bodies, GET variables and websocket frames: UTF-8, nested at most 100 deep."""
        return request_json.decode(data)

    def parse_json(self, data: str | bytes) -> Any:
        try:
            return self.decode_json(data)
        except request_json.UnreadableJSON as error:
            raise HTTPException(400, error.reason) from error

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> Any:
        content_type, _ = parse_content_type(request.content_type or "")
        if request.method == "POST" and "application/json" in content_type:
            # One operation per request, as an object; Strawberry failed on null, strings and numbers.
            start = (await request.get_body()).lstrip(b" \t\r\n")[:1]
            if start == b"[":
                raise HTTPException(400, "Send one operation per request: batches are not supported.")
            if start != b"{":
                raise HTTPException(400, "The request body must be a JSON object with the operation's query.")
        request_data = await super().parse_http_body(request)
        name = request_data.operation_name if isinstance(request_data, GraphQLRequestData) else None
        if isinstance(name, str) and unicode_input.lone_surrogate(name) is not None:
            raise HTTPException(400, "The operation name is not valid Unicode.")
        return request_data

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive=receive)
        media_type = negotiate(request.headers.get("accept"))
        if media_type is None and not self.should_render_graphql_ide(self.request_adapter_class(request)):
            response: Response = error_response(
                406, f"Ask for {GRAPHQL_RESPONSE} or {JSON} in the Accept header.", "BAD_REQUEST"
            )
        else:
            request.state.media_type = media_type or JSON
            try:
                key = request.headers.get("idempotency-key")
                if key is not None and request.method == "POST":
                    response = await self._run_idempotently(request, key)
                else:
                    response = await self.run(request)
            except HTTPException as error:
                code = "INVALID_TOKEN" if error.status_code == 401 else "BAD_REQUEST"
                response = error_response(error.status_code, error.reason, code, request.state.media_type)
                if error.status_code == 405:
                    response.headers["allow"] = "GET, POST" if request.method != "GET" else "POST"
        await response(scope, receive, send)

    async def _run_idempotently(self, request: Request, key: str) -> Response:
        """A mutation retried with the same Idempotency-Key by the same person gets the first response
        again and changes nothing twice; the key with another request is refused (422)."""
        signed_in = await self._authenticate(request.app.state.db, request.headers.get("authorization"))
        payload = _mutation_payload(await request.body(), self.max_tokens)
        if signed_in is None or payload is None:
            return await self.run(request)  # only signed-in people's mutations are remembered
        ran = False

        async def run() -> dict[str, Any]:
            nonlocal ran
            ran = True
            response = await self.run(request)
            # Responses are JSON, so UTF-8 text: stored as a string, which every server keeps alike.
            body = bytes(response.body).decode()
            return {"status": response.status_code, "media_type": response.media_type, "body": body}

        try:
            outcome = await idempotency.run_once(
                request.app.state.db,
                key=key,
                actor_id=str(signed_in.actor.person_id),
                operation="graphql",
                payload=payload,
                run=run,
            )
        except idempotency.IdempotencyInProgress as error:
            response = error_response(409, error.message, error.code, request.state.media_type)
            response.headers["retry-after"] = str(error.retry_after)
            return response
        except idempotency.IdempotencyKeyReused as error:
            return error_response(422, error.message, error.code, request.state.media_type)
        except InvalidInput as error:
            return error_response(400, error.message, error.code, request.state.media_type)
        response = Response(outcome["body"], status_code=outcome["status"], media_type=outcome["media_type"])
        if not ran:
            response.headers["idempotent-replayed"] = "true"
        return response

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        state = request.app.state
        signed_in = None
        if isinstance(request, Request):
            signed_in = await self._authenticate(state.db, request.headers.get("authorization"))
        context = Context(
            db=state.db,
            actor=ANONYMOUS,
            request_id=request_id_var.get() or uuid.uuid4().hex,
            services=self.services,
            live_feed=state.live_feed,
            client_address=request.client.host if request.client else None,
            request=request,
            response=response,
        )
        _sign_in(context, signed_in)
        return context

    async def _authenticate(self, db: Database, authorization: str | None) -> sessions.Authenticated | None:
        """The person of a Bearer access token; no header means nobody. A bad token is refused (401)."""
        try:
            return await authenticate_header(db, self.services.tokens, authorization)
        except InvalidToken as error:
            raise HTTPException(401, error.message) from error

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Subscriptions authenticate once, with `authorization` in the connection_init payload."""
        params = context.connection_params or {}
        authorization = params.get("authorization") or params.get("Authorization")
        if authorization is None:
            return UNSET
        try:
            _sign_in(context, await self._authenticate(context.db, str(authorization)))
        except HTTPException as error:
            raise ConnectionRejectionError({"code": "INVALID_TOKEN", "message": error.reason}) from error
        return UNSET

    @property
    def graphql_ide_html(self) -> str:
        return graphiql_page()  # Strawberry's page, on assets this app serves (works offline)

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
        text = await response_encoding.encode_response(response)  # large ones, off the loop
        if text is not None:
            return cast(GraphQLHTTPResponse, response_encoding.EncodedResponse(dict(response), text))
        return response

    def encode_json(self, data: object) -> str | bytes:
        if isinstance(data, response_encoding.EncodedResponse):
            return data.text
        return super().encode_json(data)

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
