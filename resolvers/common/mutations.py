"""The wrappers resolvers wear: every mutation's (rate limits first, then expected failures as
results), and a rate-limited query's (its own limits, by the same counting)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

from strawberry.utils.str_converters import to_camel_case

from models.common import errors
from models.common.rate_limits import check_all
from resolvers.common.context import Info
from resolvers.common.errors import user_error

P = ParamSpec("P")
R = TypeVar("R")


async def count_attempt(
    info: Info, operation: str, *, account: str | None = None, mutation: bool = True
) -> None:
    """Count one attempt at `operation` against the configured limits; raises RateLimited past them.

    Without `account`, the person and client-address rules apply; with it, only the per-account
    rules (sign-in attempts at one phone number or e-mail, counted before anyone is signed in).
    A query (`mutation=False`) counts against its own rules only, not the "mutation.<scope>" ones.
    """
    context = info.context
    if account is None:
        person_id = str(context.actor.person_id) if context.actor.person_id else None
        checks = context.services.rate_limits.checks(
            operation, person_id=person_id, address=context.client_address, mutation=mutation
        )
    else:
        checks = context.services.rate_limits.checks(operation, account=account)
    await check_all(context.db, checks)


def protected_mutation(
    operation: str | None = None,
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Wrap a mutation resolver: count it against the rate limits of `operation` (by default its
    GraphQL name), then turn a DomainError from models/ into its typed error result."""

    def decorate(resolver: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        name = operation or to_camel_case(resolver.__name__)

        @functools.wraps(resolver)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            info: Any = kwargs.get("info", args[0] if args else None)
            try:
                await count_attempt(info, name)
                return await resolver(*args, **kwargs)
            except errors.DomainError as error:
                return user_error(error)  # type: ignore[return-value]

        return wrapper

    return decorate


def limited_query(
    operation: str | None = None,
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Wrap a query resolver: count it against the rate limits of `operation` (by default its GraphQL
    name) and only those; past them, RateLimited is the field's error (a query has no result union)."""

    def decorate(resolver: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        name = operation or to_camel_case(resolver.__name__)

        @functools.wraps(resolver)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            info: Any = kwargs["info"]  # strawberry passes it by name; `self` may come first
            await count_attempt(info, name, mutation=False)
            return await resolver(*args, **kwargs)

        return wrapper

    return decorate
