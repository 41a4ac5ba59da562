"""unfollow: stop hearing of something you follow (unfollowing twice changes nothing)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from models.notifications import follows
from resolvers.common.context import Info
from resolvers.common.errors import ForbiddenError, InvalidInputError, RateLimitedError
from resolvers.common.mutations import protected_mutation
from resolvers.notifications.types import follow_target


@strawberry.input
class UnfollowInput:
    target_id: relay.GlobalID


@strawberry.type
class Unfollowed:
    target_id: relay.GlobalID
    was_following: bool


UnfollowResult = Annotated[
    Unfollowed | InvalidInputError | ForbiddenError | RateLimitedError,
    strawberry.union("UnfollowResult"),
]


@protected_mutation()
async def unfollow(info: Info, input: UnfollowInput) -> UnfollowResult:
    kind, target_id = follow_target(input.target_id)
    removed = await follows.unfollow(info.context.db, info.context.actor, kind, target_id)
    return Unfollowed(target_id=input.target_id, was_following=removed)
