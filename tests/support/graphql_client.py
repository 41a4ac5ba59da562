"""A GraphQL client that talks to the ASGI app the way the mobile app does: HTTP and graphql-transport-ws."""

from __future__ import annotations

import atexit
import contextlib
import json
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_ws import AsyncWebSocketSession, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport
from starlette.applications import Starlette

from api.app import create_app
from api.settings import Settings
from models.common.calendar import BusinessCalendar
from models.common.db import Database

GRAPHQL_RESPONSE = "application/graphql-response+json"


@dataclass
class GraphQLResponse:
    status: int
    headers: httpx.Headers
    body: dict[str, Any]

    @property
    def data(self) -> Any:
        return self.body.get("data")

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.body.get("errors") or []

    def error_codes(self) -> list[str | None]:
        return [(error.get("extensions") or {}).get("code") for error in self.errors]


@dataclass
class GraphQLClient:
    app: Starlette
    http: httpx.AsyncClient
    headers: dict[str, str] = field(default_factory=dict)

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        operation_name: str | None = None,
        accept: str = GRAPHQL_RESPONSE,
        headers: dict[str, str] | None = None,
    ) -> GraphQLResponse:
        payload: dict[str, Any] = {"query": query}
        if variables is not None:
            payload["variables"] = variables
        if operation_name is not None:
            payload["operationName"] = operation_name
        response = await self.http.post(
            "/graphql", json=payload, headers={"accept": accept, **self.headers, **(headers or {})}
        )
        return GraphQLResponse(response.status_code, response.headers, response.json())

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        """The data of an operation that must succeed; fails the test with the errors otherwise."""
        response = await self.execute(query, variables)
        assert response.status == 200 and not response.errors, (response.status, response.errors)
        return response.data

    @contextlib.asynccontextmanager
    async def websocket(
        self, subprotocols: tuple[str, ...] = ("graphql-transport-ws",), **headers: str
    ) -> AsyncIterator[GraphQLSocket]:
        # The websocket transport runs a task group, so it lives inside the test's own task.
        async with httpx.AsyncClient(
            transport=ASGIWebSocketTransport(app=self.app), base_url="http://testserver"
        ) as http:
            connecting: contextlib.AbstractAsyncContextManager[AsyncWebSocketSession] = aconnect_ws(
                "http://testserver/graphql", http, subprotocols=list(subprotocols), headers=dict(headers)
            )
            async with connecting as session:
                yield GraphQLSocket(session)


@dataclass
class GraphQLSocket:
    """One graphql-transport-ws connection."""

    session: AsyncWebSocketSession
    _next_id: int = 0

    async def send(self, message: dict[str, Any]) -> None:
        await self.session.send_text(json.dumps(message))

    async def receive(self, timeout: float = 5.0) -> dict[str, Any]:
        return json.loads(await self.session.receive_text(timeout=timeout))

    async def init(self, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        await self.send({"type": "connection_init", "payload": payload or {}})
        return await self.receive()

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        self._next_id += 1
        operation_id = str(self._next_id)
        await self.send(
            {
                "id": operation_id,
                "type": "subscribe",
                "payload": {"query": query, "variables": variables or {}},
            }
        )
        return operation_id


# Development secrets (signing key, phone hash key) of the test run live here, not in the checkout.
_STATE_DIR = Path(tempfile.mkdtemp(prefix="townhall-tests-"))
atexit.register(shutil.rmtree, _STATE_DIR, ignore_errors=True)


def settings_for_tests(**overrides: Any) -> Settings:
    return Settings(environment="development", data_dir=_STATE_DIR, **overrides)


def service_calendar() -> BusinessCalendar:
    """The calendar the app under test counts deadlines on, so that a test computes an expected
    deadline the way the app does whatever today's date (lenient past the packaged years)."""
    return settings_for_tests().business_calendar()


@contextlib.asynccontextmanager
async def running_app(db: Database, settings: Settings | None = None) -> AsyncIterator[Starlette]:
    """The app on a test database, with its lifespan (start-up and shutdown) run."""
    app = create_app(settings or settings_for_tests(), database=db)
    async with app.router.lifespan_context(app):
        yield app


@contextlib.asynccontextmanager
async def client_for(app: Starlette) -> AsyncIterator[GraphQLClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield GraphQLClient(app, http)


@pytest.fixture
async def app(db: Database) -> AsyncIterator[Starlette]:
    async with running_app(db) as started:
        yield started


@pytest.fixture
async def gql(app: Starlette) -> AsyncIterator[GraphQLClient]:
    async with client_for(app) as client:
        yield client
