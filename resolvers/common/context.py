"""What every resolver can reach: database, actor, loaders, paging bounds, live feed, calendar."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import strawberry

from models.common.actors import Actor
from models.common.calendar import BusinessCalendar
from models.common.db import Database
from models.common.pagination import PageBounds
from resolvers.common.loaders import Loaders

if TYPE_CHECKING:
    from models.common.live_feed import LiveFeed


@dataclass
class Context:
    db: Database
    actor: Actor
    request_id: str
    page_bounds: PageBounds
    live_feed: LiveFeed
    calendar: BusinessCalendar
    request: Any = None
    response: Any = None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.db)


Info = strawberry.Info[Context, None]
