"""Bad input against a real uvicorn server, as `townhall serve` runs it: the keep-alive connection
survives a refused request, and uvicorn itself refuses an oversized websocket frame (1009)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from httpx_ws import AsyncWebSocketSession, WebSocketDisconnect, aconnect_ws

from models.common.db import Database
from tests.support.graphql_client import running_app, settings_for_tests
from tests.support.live_server import free_port


@contextlib.asynccontextmanager
async def serving(db: Database, **settings: object) -> AsyncIterator[str]:
    """The app on a real uvicorn server in this event loop, with the options `townhall serve` uses."""
    chosen = settings_for_tests(**settings)
    port = free_port()
    async with running_app(db, chosen) as app:
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_config=None,
            ws="websockets-sansio",
            ws_max_size=chosen.ws_max_message_bytes,
            lifespan="off",  # running_app ran it
            access_log=False,
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        while not server.started:
            assert not task.done(), task.exception()
            await asyncio.sleep(0.02)
        try:
            yield f"127.0.0.1:{port}"
        finally:
            server.should_exit = True
            await task


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, body: bytes
) -> tuple[int, bytes]:
    """One HTTP/1.1 request on an open connection; the status and body of its response."""
    writer.write(
        b"POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        b"Accept: application/graphql-response+json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
    status = int(head.split(b" ", 2)[1])
    headers = dict(line.lower().split(b": ", 1) for line in head.split(b"\r\n")[1:] if b": " in line)
    assert headers.get(b"connection") != b"close"
    assert len(headers[b"x-request-id"]) == 32  # the request id, echoed on every answer
    content = await reader.readexactly(int(headers[b"content-length"]))
    return status, content


async def test_the_connection_is_kept_alive_after_a_refused_request(db: Database) -> None:
    async with serving(db) as address:
        host, port = address.split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            deep = b'{"query": "{ serverTime }", "variables": {"a": ' + b"[" * 1000 + b"]" * 1000 + b"}}"
            status, content = await exchange(reader, writer, deep)
            assert status == 400
            assert json.loads(content)["errors"][0]["extensions"]["code"] == "BAD_REQUEST"

            for bad in (b"null", b"[1]", b'{"query": "\xff"}'):
                assert (await exchange(reader, writer, bad))[0] == 400

            status, content = await exchange(reader, writer, b'{"query": "{ serverTime }"}')
            assert status == 200 and "serverTime" in json.loads(content)["data"]
        finally:
            writer.close()


async def test_uvicorn_refuses_a_frame_over_the_limit_with_1009(db: Database) -> None:
    async with serving(db, ws_max_message_bytes=4096) as address, httpx.AsyncClient() as http:
        connecting: contextlib.AbstractAsyncContextManager[AsyncWebSocketSession] = aconnect_ws(
            f"http://{address}/graphql", http, subprotocols=["graphql-transport-ws"]
        )
        async with connecting as ws:
            await ws.send_text(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await ws.receive_text(timeout=5)) == {"type": "connection_ack"}
            await ws.send_text(json.dumps({"type": "ping", "payload": {"padding": "x" * 10_000}}))

            with pytest.raises(WebSocketDisconnect) as closed:
                await ws.receive_text(timeout=5)

        # uvicorn's words: it refused the frame before the app was handed it.
        assert (closed.value.code, closed.value.reason) == (
            1009,
            "frame with 10044 bytes exceeds limit of 4096 bytes",
        )
