"""follow: hear of a department's, topic's, district's or consultation's news."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from models.notifications import follows
from resolvers.common.context import Info
from resolvers.common.errors import ForbiddenError, InvalidInputError, NotFoundError, RateLimitedError
from resolvers.common.mutations import protected_mutation
from resolvers.notifications.types import Follow, follow_target


@strawberry.input
class FollowInput:
    target_id: relay.GlobalID = strawberry.field(
        description="A Department, Topic, District or Consultation; following it again changes nothing."
    )


@strawberry.type
class Followed:
    follow: Follow


FollowResult = Annotated[
    Followed | InvalidInputError | NotFoundError | ForbiddenError | RateLimitedError,
    strawberry.union("FollowResult"),
]


@protected_mutation()
async def follow(info: Info, input: FollowInput) -> FollowResult:
    kind, target_id = follow_target(input.target_id)
    document = await follows.follow(info.context.db, info.context.actor, kind, target_id)
    return Followed(follow=Follow.from_document(document))
