"""Fields about the service itself."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models.common.clock import utcnow


@strawberry.type
class SystemQueries:
    @strawberry.field(description="The server's current time (UTC); handy to check a connection.")
    def server_time(self) -> datetime:
        return utcnow()
