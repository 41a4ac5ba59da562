"""graphql-transport-ws at /graphql, with bounds: each frame is one JSON object of limited size and
depth, a socket must initialise within a timeout, and an address may hold only a few that have not.

Close codes: 4400 for a frame that is not a well-formed protocol message (the protocol's own code
for that), 1009 for a frame over the size limit (RFC 6455's "message too big", the code uvicorn's
websocket implementation uses for the same limit), 4408 when connection_init does not come in
time (Strawberry's, per the protocol), 4429 when an address already has its allowance of sockets
waiting to initialise (the protocol's code for too many initialisation requests).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from json import JSONDecodeError
from typing import Protocol, cast

from starlette.websockets import WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import NonJsonMessageReceived, NonTextMessageReceived
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage, Message

from api.request_json import UnreadableJSON
from resolvers.common.context import Context

MESSAGE_TOO_BIG = 1009
_MAX_REASON_BYTES = 123  # RFC 6455: a close frame's reason fits in 125 bytes with its code


@dataclass(frozen=True)
class WebSocketLimits:
    init_timeout: dt.timedelta = dt.timedelta(seconds=10)
    max_pending_per_address: int = 10
    max_message_bytes: int = 64 * 1024


class PendingSockets:
    """Sockets of this process, per client address, that have not sent connection_init yet."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._count: dict[str, int] = {}

    def enter(self, address: str) -> bool:
        if self._count.get(address, 0) >= self.limit:
            return False
        self._count[address] = self._count.get(address, 0) + 1
        return True

    def leave(self, address: str) -> None:
        left = self._count.get(address, 0) - 1
        if left > 0:
            self._count[address] = left
        else:
            self._count.pop(address, None)

    def waiting(self, address: str) -> int:
        return self._count.get(address, 0)


class LimitedView(Protocol):
    websocket_limits: WebSocketLimits
    pending_sockets: PendingSockets


def malformed(message: object) -> str | None:
    """Why `message` is not a graphql-transport-ws message Townhall reads; None when it is one."""
    if not isinstance(message, dict):
        return "A message must be a JSON object"
    kind = message.get("type")
    if not isinstance(kind, str):
        return "A message must have a string type"
    if kind in ("subscribe", "complete") and not isinstance(message.get("id"), str):
        return f"A {kind} message must have a string id"
    if kind == "subscribe":
        payload = message.get("payload")
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return "A subscribe message must have a payload with a string query"
        for name, kinds in (("variables", dict), ("operationName", str), ("extensions", dict)):
            if payload.get(name) is not None and not isinstance(payload[name], kinds):
                return f"The payload's {name} must be a {kinds.__name__.replace('dict', 'object')}"
    return None


def close_reason(reason: str) -> str:
    """`reason` as a close frame can carry it: valid UTF-8 within 123 bytes."""
    encoded = reason.encode("utf-8", "replace")[:_MAX_REASON_BYTES]
    return encoded.decode("utf-8", "ignore")


class TownhallWebSocketAdapter(ASGIWebSocketAdapter):
    """Strawberry's adapter, with the size of each frame checked before it is decoded."""

    async def iter_json(self, *, ignore_parsing_errors: bool = False) -> AsyncGenerator[object, None]:
        max_bytes = cast(LimitedView, self.view).websocket_limits.max_message_bytes
        try:
            while self.ws.application_state != WebSocketState.DISCONNECTED:
                try:
                    text = await self.ws.receive_text()
                    # A character is at most 4 bytes in UTF-8: encode only when it may matter.
                    if len(text) * 4 > max_bytes and len(text.encode("utf-8", "surrogatepass")) > max_bytes:
                        await self.close(MESSAGE_TOO_BIG, f"A message may be at most {max_bytes} bytes")
                        return
                    yield self.view.decode_json(text)
                except UnreadableJSON as error:
                    await self.close(4400, error.reason)  # the reason, not Strawberry's generic one
                    return
                except JSONDecodeError as error:
                    if not ignore_parsing_errors:
                        raise NonJsonMessageReceived from error
        except KeyError as error:  # a binary frame
            raise NonTextMessageReceived from error
        except WebSocketDisconnect:
            pass

    async def close(self, code: int, reason: str) -> None:
        await self.ws.close(code=code, reason=close_reason(reason))


class TownhallTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry's graphql-transport-ws handler; refuses malformed messages with 4400 instead of
    failing on them, and counts the socket against its address until it initialises."""

    _waiting_address: str | None = None

    async def handle(self) -> None:
        address = self.context.client_address or "unknown"
        pending = cast(LimitedView, self.view).pending_sockets
        if not pending.enter(address):
            await self.websocket.close(4429, "Too many connections from this address waiting to initialise")
            return
        self._waiting_address = address
        try:
            await super().handle()
        finally:
            self._initialised()

    def _initialised(self) -> None:
        if self._waiting_address is not None:
            cast(LimitedView, self.view).pending_sockets.leave(self._waiting_address)
            self._waiting_address = None

    async def handle_message(self, message: Message) -> None:
        problem = malformed(message)
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        await super().handle_message(message)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        self._initialised()
        await super().handle_connection_init(message)
