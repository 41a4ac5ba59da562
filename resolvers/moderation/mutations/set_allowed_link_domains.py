"""setAllowedLinkDomains: an admin replaces the domains links in content may point to."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.moderation import screening_rules
from resolvers.common.context import Info
from resolvers.common.errors import ForbiddenError, InvalidInputError, RateLimitedError
from resolvers.common.mutations import protected_mutation
from resolvers.moderation.types.screening_rules import ScreeningRules


@strawberry.input
class SetAllowedLinkDomainsInput:
    domains: list[str] = strawberry.field(
        description="The whole list (at most 500), e.g. 'gov.cn', which also allows 'www.linchuan.gov.cn'; "
        "empty: every link holds content for a moderator."
    )


@strawberry.type
class AllowedLinkDomainsSet:
    screening_rules: ScreeningRules


SetAllowedLinkDomainsResult = Annotated[
    AllowedLinkDomainsSet | InvalidInputError | ForbiddenError | RateLimitedError,
    strawberry.union("SetAllowedLinkDomainsResult"),
]


@protected_mutation()
async def set_allowed_link_domains(
    info: Info, input: SetAllowedLinkDomainsInput
) -> SetAllowedLinkDomainsResult:
    rules = await screening_rules.set_allowed_link_domains(info.context.db, info.context.actor, input.domains)
    return AllowedLinkDomainsSet(screening_rules=ScreeningRules.from_rules(rules))
