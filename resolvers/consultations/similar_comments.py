"""The rate limits of the similarComments lookup, which the app calls as people type."""

from __future__ import annotations

import datetime as dt

from models.common.rate_limits import RateLimit, check_all
from resolvers.common.context import Info

SIMILAR_COMMENTS = "similarComments"
# Applied unless TOWNHALL_RATE_LIMITS sets similarComments.<scope> rules. Only this operation's
# rules count: the app asks as people type, which must not use up their mutation budget.
DEFAULT_SIMILAR_LIMITS = (
    RateLimit(f"{SIMILAR_COMMENTS}.person", 60, dt.timedelta(minutes=1)),
    RateLimit(f"{SIMILAR_COMMENTS}.address", 300, dt.timedelta(minutes=1)),
)


async def count_lookup(info: Info) -> None:
    """Count one similar-comments lookup against its rate limits (RateLimited past them)."""
    context = info.context
    subjects = {
        "person": f"person:{context.actor.person_id}" if context.actor.person_id else None,
        "address": f"ip:{context.client_address}" if context.client_address else None,
    }
    configured = [
        rule
        for name, rule in context.services.rate_limits.rules.items()
        if name.startswith(f"{SIMILAR_COMMENTS}.")
    ]
    checks = [
        (rule, subject)
        for rule in configured or DEFAULT_SIMILAR_LIMITS
        if (subject := subjects.get(rule.name.rpartition(".")[2]))
    ]
    await check_all(context.db, checks)
