"""graphql-transport-ws bounds: malformed frames close with 4400, oversized ones with 1009, a socket
that does not initialise in time with 4408, and an address's surplus of waiting sockets with 4429."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator

import pytest
from httpx_ws import WebSocketDisconnect

from api.settings import Settings, SettingsError
from models.common.db import Database
from tests.support.graphql_client import (
    GraphQLClient,
    GraphQLSocket,
    client_for,
    running_app,
    settings_for_tests,
)


async def closed_with(socket: GraphQLSocket, timeout: float = 5.0) -> tuple[int, str]:
    """The code and reason the server closes `socket` with (fails if it sends a message instead)."""
    try:
        message = await socket.receive(timeout=timeout)
    except WebSocketDisconnect as closed:
        return closed.code, closed.reason
    pytest.fail(f"expected the socket to close, got {message}")


@contextlib.asynccontextmanager
async def client_with(db: Database, **settings: object) -> AsyncIterator[GraphQLClient]:
    async with running_app(db, settings_for_tests(**settings)) as app, client_for(app) as gql:
        yield gql


def no_errors_logged(caplog: pytest.LogCaptureFixture) -> None:
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


class TestMalformedFrames:
    @pytest.mark.parametrize("frame", ["[]", "[1]", '"x"', "null", "1"])
    async def test_a_frame_that_is_not_an_object_closes_with_4400(
        self, gql: GraphQLClient, caplog: pytest.LogCaptureFixture, frame: str
    ) -> None:
        async with gql.websocket() as socket:
            assert await socket.init() == {"type": "connection_ack"}
            await socket.session.send_text(frame)

            assert await closed_with(socket) == (4400, "A message must be a JSON object")
        no_errors_logged(caplog)

    async def test_before_connection_init_too(
        self, gql: GraphQLClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        async with gql.websocket() as socket:
            await socket.session.send_text("[]")

            assert await closed_with(socket) == (4400, "A message must be a JSON object")
        no_errors_logged(caplog)

    @pytest.mark.parametrize("nested", ["[" * 1000 + "]" * 1000, '{"a":' * 1000 + "1" + "}" * 1000])
    async def test_deeply_nested_json_closes_with_4400(
        self, gql: GraphQLClient, caplog: pytest.LogCaptureFixture, nested: str
    ) -> None:
        async with gql.websocket() as socket:
            await socket.init()
            await socket.session.send_text('{"type": "ping", "payload": ' + nested + "}")

            assert await closed_with(socket) == (
                4400,
                "The JSON nests arrays and objects deeper than 100 levels.",
            )
        no_errors_logged(caplog)

    @pytest.mark.parametrize(
        ("message", "reason"),
        [
            ({"type": 1}, "A message must have a string type"),
            (
                {"id": 1, "type": "subscribe", "payload": {"query": "{ serverTime }"}},
                "A subscribe message must have a string id",
            ),
            (
                {"id": "1", "type": "subscribe", "payload": []},
                "A subscribe message must have a payload with a string query",
            ),
            (
                {"id": "1", "type": "subscribe", "payload": {"query": ["x"]}},
                "A subscribe message must have a payload with a string query",
            ),
            (
                {"id": "1", "type": "subscribe", "payload": {"query": "{ serverTime }", "variables": [1]}},
                "The payload's variables must be a object",
            ),
            ({"id": ["1"], "type": "complete"}, "A complete message must have a string id"),
        ],
    )
    async def test_a_malformed_message_closes_with_4400(
        self, gql: GraphQLClient, caplog: pytest.LogCaptureFixture, message: dict[str, object], reason: str
    ) -> None:
        async with gql.websocket() as socket:
            await socket.init()
            await socket.send(message)

            assert await closed_with(socket) == (4400, reason)
        no_errors_logged(caplog)

    async def test_a_syntax_error_is_an_error_message_not_a_failed_task(
        self, gql: GraphQLClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        async with gql.websocket() as socket:
            await socket.init()
            operation_id = await socket.subscribe("{ serverTime ")

            message = await socket.receive()

        assert message["id"] == operation_id and message["type"] == "error"
        assert message["payload"][0]["message"].startswith("Syntax Error")
        no_errors_logged(caplog)


class TestMessageSize:
    async def test_a_5_mb_frame_closes_with_1009_by_default(self, gql: GraphQLClient) -> None:
        async with gql.websocket() as socket:
            await socket.init()
            await socket.send({"type": "ping", "payload": {"padding": "x" * 5_000_000}})

            assert await closed_with(socket) == (1009, "A message may be at most 65536 bytes")

    async def test_the_limit_is_a_setting_counted_in_utf8_bytes(self, db: Database) -> None:
        async with client_with(db, ws_max_message_bytes=1024) as gql, gql.websocket() as socket:
            await socket.init()
            await socket.session.send_text(
                json.dumps({"type": "ping", "payload": {"p": "园" * 300}}, ensure_ascii=False)
            )

            # 300 characters, 900 bytes of them: still within 1024.
            assert await socket.receive() == {"type": "pong"}

            await socket.session.send_text(
                json.dumps({"type": "ping", "payload": {"p": "园" * 400}}, ensure_ascii=False)
            )

            assert await closed_with(socket) == (1009, "A message may be at most 1024 bytes")


class TestInitialisation:
    async def test_a_socket_without_connection_init_is_closed_after_the_timeout(self, db: Database) -> None:
        async with client_with(db, ws_init_timeout_seconds=0.3) as gql, gql.websocket() as socket:
            assert await closed_with(socket, timeout=5) == (4408, "Connection initialisation timeout")

    async def test_an_initialised_socket_stays_open_past_the_timeout(self, db: Database) -> None:
        async with client_with(db, ws_init_timeout_seconds=0.3) as gql, gql.websocket() as socket:
            assert await socket.init() == {"type": "connection_ack"}
            with pytest.raises(TimeoutError):
                await socket.receive(timeout=0.6)
            await socket.send({"type": "ping"})

            assert await socket.receive() == {"type": "pong"}


class TestWaitingSocketsPerAddress:
    async def test_beyond_the_limit_a_socket_is_closed_with_4429(self, db: Database) -> None:
        async with (
            client_with(db, ws_max_pending_per_address=2) as gql,
            gql.websocket() as first,
            gql.websocket() as second,
            gql.websocket() as third,
        ):
            assert await closed_with(third) == (
                4429,
                "Too many connections from this address waiting to initialise",
            )
            assert await first.init() == {"type": "connection_ack"}
            assert await second.init() == {"type": "connection_ack"}

    async def test_an_initialised_or_closed_socket_frees_its_place(self, db: Database) -> None:
        async with client_with(db, ws_max_pending_per_address=1) as gql, gql.websocket() as first:
            async with gql.websocket() as refused:
                assert (await closed_with(refused))[0] == 4429
            await first.init()  # initialised: no longer waiting

            # One waits (so the next is refused), then leaves without initialising.
            async with gql.websocket(), gql.websocket() as refused:
                assert (await closed_with(refused))[0] == 4429

            async with gql.websocket() as later:
                assert await later.init() == {"type": "connection_ack"}


class TestSettings:
    def test_the_limits_are_read_from_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("TOWNHALL_WS_INIT_TIMEOUT_SECONDS", "3")
        monkeypatch.setenv("TOWNHALL_WS_MAX_PENDING_PER_ADDRESS", "4")
        monkeypatch.setenv("TOWNHALL_WS_MAX_MESSAGE_BYTES", "2048")

        settings = Settings.from_env()

        assert (settings.ws_init_timeout_seconds, settings.ws_max_pending_per_address) == (3, 4)
        assert settings.ws_max_message_bytes == 2048

    def test_the_defaults(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for name in ("INIT_TIMEOUT_SECONDS", "MAX_PENDING_PER_ADDRESS", "MAX_MESSAGE_BYTES"):
            monkeypatch.delenv(f"TOWNHALL_WS_{name}", raising=False)

        settings = Settings.from_env()

        assert (settings.ws_init_timeout_seconds, settings.ws_max_pending_per_address) == (10, 10)
        assert settings.ws_max_message_bytes == 65536

    def test_a_message_limit_below_1_kib_is_refused(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("TOWNHALL_WS_MAX_MESSAGE_BYTES", "100")

        with pytest.raises(SettingsError, match="TOWNHALL_WS_MAX_MESSAGE_BYTES must be at least 1024"):
            Settings.from_env()
