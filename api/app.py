"""The Starlette application: GraphQL, health, readiness and metrics endpoints, and their lifecycle."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pymongo.errors import PyMongoError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute

from api.client_address import ClientAddress
from api.exports import comments_csv
from api.graphiql import assets_route
from api.graphql_view import TownhallGraphQL
from api.graphql_ws import WebSocketLimits
from api.metrics import CommandMetrics, Metrics, operation_metrics
from api.middleware import BodySizeLimit, RequestContext
from api.schema import build_schema
from api.settings import Settings
from api.workers import run_until
from models.catalog import ensure_indexes
from models.common.calendar import BusinessCalendar
from models.common.clock import utcnow
from models.common.db import Database, connect
from models.common.live_feed import LiveFeed
from models.common.pagination import PageBounds
from models.departments.policy import DepartmentScope
from models.identity.firebase import FirebaseVerifier
from models.moderation.reports import ReportPolicy
from resolvers.common.context import Services

log = logging.getLogger("townhall.app")


def calendar_detail(calendar: BusinessCalendar) -> dict[str, Any]:
    """`/readyz`'s word on the deadline calendar: still ready without a year's holidays (deadlines
    count weekends only then), but said loudly, with the years to add."""
    missing = calendar.missing_years(utcnow())
    detail: dict[str, Any] = {
        "calendar": {"coveredYears": sorted(calendar.covered_years), "missingYears": list(missing)}
    }
    if missing:
        detail["warnings"] = [_missing_years_message(missing)]
    return detail


def warn_of_missing_calendar_years(calendar: BusinessCalendar) -> None:
    missing = calendar.missing_years(utcnow())
    if missing:
        log.warning(_missing_years_message(missing), extra={"missing_years": list(missing)})


def _missing_years_message(missing: Sequence[int]) -> str:
    years = ", ".join(str(year) for year in missing)
    return (
        f"the business calendar has no holiday data for {years}: deadlines there count weekends "
        "only; add the official schedule to the calendar file (TOWNHALL_CALENDAR_FILE)"
    )


def create_app(
    settings: Settings,
    *,
    mongodb_uri: str | None = None,
    database: Database | None = None,
    with_worker: bool = False,
) -> Starlette:
    """The app on `database` (owned by the caller), or on its own client to `mongodb_uri`; with
    `with_worker`, the background work of `townhall worker` runs in the same process (the demo)."""
    if (mongodb_uri is None) == (database is None):
        raise ValueError("give exactly one of mongodb_uri and database")
    metrics = Metrics()
    tokens = settings.token_policy()
    limits = settings.limits
    schema = build_schema(limits, extra_extensions=(operation_metrics(metrics),))
    services = Services(
        page_bounds=PageBounds(default_size=limits.default_page_size, max_size=limits.max_page_size),
        calendar=settings.business_calendar(),
        tokens=tokens,
        phone_key=settings.phone_hash_key(),
        firebase=FirebaseVerifier(settings.firebase_project_id),
        rate_limits=settings.rate_limit_table(),
        department_scope=DepartmentScope(settings.officials_act_for_sub_departments),
        consultation_report_days=settings.consultation_report_days,
        report_policy=ReportPolicy(
            hide_after=settings.reports_hide_after or None,
            hide_staff_content=settings.reports_hide_staff_content,
        ),
    )
    graphql = TownhallGraphQL(
        schema,
        graphql_ide="graphiql" if settings.development else None,
        allowed_origins=settings.allowed_origins,
        services=services,
        max_tokens=limits.max_tokens,
        websocket_limits=WebSocketLimits(
            init_timeout=dt.timedelta(seconds=settings.ws_init_timeout_seconds),
            max_pending_per_address=settings.ws_max_pending_per_address,
            max_message_bytes=settings.ws_max_message_bytes,
        ),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        warn_of_missing_calendar_years(services.calendar)
        client = None
        db = database
        if db is None:
            client = connect(mongodb_uri or "", listeners=[CommandMetrics(metrics)])
            db = client[settings.database_name]
            await ensure_indexes(db)
        app.state.db = db
        app.state.live_feed = LiveFeed(db)
        stop = asyncio.Event()
        background = (
            asyncio.create_task(run_until(db, settings, stop, registry=metrics.registry))
            if with_worker
            else None
        )
        try:
            yield
        finally:
            if background is not None:
                stop.set()
                await background
            await app.state.live_feed.close()
            if client is not None:
                await client.close()

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        try:
            await request.app.state.db.command("ping")
        except PyMongoError as error:
            return JSONResponse(
                {"status": "unavailable", "reason": f"database: {type(error).__name__}"}, status_code=503
            )
        return JSONResponse({"status": "ready", **calendar_detail(services.calendar)})

    async def jwks(request: Request) -> Response:
        # Public keys for verifying Townhall access tokens; a cache of an hour lets keys rotate.
        return JSONResponse(tokens.keys.jwks(), headers={"cache-control": "public, max-age=3600"})

    async def metrics_endpoint(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint),
            Route("/.well-known/jwks.json", jwks),
            Route("/consultations/{id}/comments.csv", comments_csv(services)),
            *([assets_route()] if settings.development else []),  # GraphiQL's scripts and styles
        ],
        middleware=[
            Middleware(ClientAddress, proxies=settings.client_proxies()),
            Middleware(RequestContext, metrics=metrics),
            Middleware(BodySizeLimit, max_bytes=limits.max_body_bytes),
        ],
        lifespan=lifespan,
    )
    app.state.metrics = metrics
    return app
