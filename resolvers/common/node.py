"""`node` and `nodes`: any object by its global id, resolved through each type's DataLoader."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import strawberry
from strawberry import relay
from strawberry.relay.types import GlobalIDValueError

from resolvers.common.context import Info


async def _resolve(info: Info, global_id: relay.GlobalID) -> Any:
    try:
        node_type = global_id.resolve_type(info)
    except GlobalIDValueError:
        return None  # an id of no known type is simply not found
    found = node_type.resolve_nodes(info=info, node_ids=[global_id.node_id], required=False)
    if inspect.isawaitable(found):
        found = await found
    return next(iter(found), None)


@strawberry.type
class NodeQueries:
    # Written out rather than `relay.node()`, which can be applied to only one schema per process.
    @strawberry.field(description="Any object by its global id, or null.")
    async def node(self, info: Info, id: relay.GlobalID) -> relay.Node | None:
        return await _resolve(info, id)

    @strawberry.field(
        description="Objects by global ids (at most 100), in the same order; null where not found."
    )
    async def nodes(self, info: Info, ids: list[relay.GlobalID]) -> list[relay.Node | None]:
        # Concurrent loads of one type share a DataLoader batch: one query per type.
        return list(await asyncio.gather(*(_resolve(info, global_id) for global_id in ids)))
