"""What every resolver can reach: the database, the actor, loaders, and the app's services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import strawberry

from models.common.actors import Actor
from models.common.calendar import BusinessCalendar
from models.common.db import Database
from models.common.pagination import PageBounds
from models.common.rate_limits import RateLimitTable
from models.departments.policy import DepartmentScope
from models.identity.firebase import FirebaseVerifier
from models.identity.sessions import TokenPolicy
from models.moderation.reports import ReportPolicy
from resolvers.common.loaders import Loaders

if TYPE_CHECKING:
    from models.common.live_feed import LiveFeed


@dataclass(frozen=True)
class Services:
    """Made once per app from the settings; shared by every request."""

    page_bounds: PageBounds
    calendar: BusinessCalendar
    tokens: TokenPolicy
    phone_key: bytes = field(repr=False)
    firebase: FirebaseVerifier
    rate_limits: RateLimitTable
    department_scope: DepartmentScope
    consultation_report_days: int = 20
    report_policy: ReportPolicy = field(default_factory=ReportPolicy)


@dataclass
class Context:
    db: Database
    actor: Actor
    request_id: str
    services: Services
    live_feed: LiveFeed
    client_address: str | None = None
    request: Any = None
    response: Any = None
    connection_params: dict[str, Any] | None = None  # graphql-transport-ws connection_init payload
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.db)

    @property
    def page_bounds(self) -> PageBounds:
        return self.services.page_bounds


Info = strawberry.Info[Context, None]
