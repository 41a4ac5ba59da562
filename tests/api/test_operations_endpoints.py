"""Health, readiness and metrics endpoints."""

from __future__ import annotations

from tests.support.graphql_client import GraphQLClient


async def test_healthz(gql: GraphQLClient) -> None:
    response = await gql.http.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_pings_the_database(gql: GraphQLClient) -> None:
    response = await gql.http.get("/readyz")

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ready"
    # What the calendar lacks depends on today's date; tests/common/test_calendar_notices.py pins it.
    assert set(body) <= {"status", "calendar", "warnings"} and "coveredYears" in body["calendar"]


async def test_metrics_count_operations_by_name_and_errors(gql: GraphQLClient) -> None:
    await gql.execute("query Clock { serverTime }")
    await gql.execute("query Clock { serverTime }")
    await gql.execute("{ noSuchField }")

    text = (await gql.http.get("/metrics")).text

    assert 'townhall_graphql_operations_total{operation="Clock",outcome="ok",type="query"} 2.0' in text
    assert 'townhall_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"} 1.0' in text
    assert 'townhall_http_requests_total{path="/graphql",status="200"}' in text
    assert "townhall_graphql_operation_seconds_bucket" in text
