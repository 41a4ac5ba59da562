"""Subscriptions over graphql-transport-ws: a round trip, and the Origin check."""

from __future__ import annotations

import asyncio

import pytest
from httpx_ws import WebSocketDisconnect

from tests.support.factories import make_department
from tests.support.graphql_client import GraphQLClient, client_for, running_app, settings_for_tests

DEPARTMENT_CHANGES = "subscription { departmentChanges { code name { zh } } }"


class TestRoundTrip:
    async def test_a_change_reaches_the_subscriber(self, gql: GraphQLClient, db) -> None:
        async with gql.websocket() as socket:
            assert await socket.init() == {"type": "connection_ack"}
            operation_id = await socket.subscribe(DEPARTMENT_CHANGES)
            await asyncio.sleep(0.3)  # let the change stream open before the write
            await make_department(db, "parks", name_zh="园林局")

            message = await socket.receive(timeout=10)

            assert message == {
                "id": operation_id,
                "type": "next",
                "payload": {"data": {"departmentChanges": {"code": "parks", "name": {"zh": "园林局"}}}},
            }
            await socket.send({"id": operation_id, "type": "complete"})

    async def test_only_graphql_transport_ws_is_spoken(self, gql: GraphQLClient) -> None:
        async with gql.websocket(subprotocols=("graphql-ws",)) as socket:
            with pytest.raises(WebSocketDisconnect) as closed:
                await socket.receive(timeout=2)

        assert closed.value.code == 4406


class TestOrigin:
    async def test_a_foreign_origin_is_refused(self, gql: GraphQLClient) -> None:
        # Closed before accept: a real server answers the handshake with 403.
        with pytest.RaisesGroup(pytest.RaisesExc(WebSocketDisconnect, check=lambda e: e.code == 1008)):
            async with gql.websocket(origin="https://evil.example"):
                pass

    async def test_an_allowed_origin_is_accepted(self, db) -> None:
        settings = settings_for_tests(allowed_origins=("https://app.townhall.example",))
        async with (
            running_app(db, settings) as app,
            client_for(app) as gql,
            gql.websocket(origin="https://app.townhall.example") as socket,
        ):
            assert await socket.init() == {"type": "connection_ack"}

    async def test_an_app_without_origin_is_allowed(self, gql: GraphQLClient) -> None:
        async with gql.websocket() as socket:
            assert await socket.init() == {"type": "connection_ack"}
