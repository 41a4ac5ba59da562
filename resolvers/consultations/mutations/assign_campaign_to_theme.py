"""assignCampaignToTheme: officials answer a campaign once, putting all of its comments into a theme."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from models.consultations.campaign_themes import assign_campaign_to_theme as assign
from resolvers.common.context import Info
from resolvers.common.errors import (
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    WrongStageError,
)
from resolvers.common.mutations import protected_mutation
from resolvers.consultations.types.campaign import Campaign, campaign_id
from resolvers.consultations.types.comment import theme_id


@strawberry.input
class AssignCampaignToThemeInput:
    campaign_id: relay.GlobalID
    theme_id: relay.GlobalID = strawberry.field(description="A theme of the campaign's consultation.")


@strawberry.type
class CampaignAssignedToTheme:
    campaign: Campaign
    assigned: int = strawberry.field(
        description="How many published comments of the campaign are in the theme."
    )


AssignCampaignToThemeResult = Annotated[
    CampaignAssignedToTheme
    | InvalidInputError
    | NotFoundError
    | ForbiddenError
    | WrongStageError
    | RateLimitedError,
    strawberry.union("AssignCampaignToThemeResult"),
]


@protected_mutation()
async def assign_campaign_to_theme(
    info: Info, input: AssignCampaignToThemeInput
) -> AssignCampaignToThemeResult:
    campaign, assigned = await assign(
        info.context.db,
        info.context.actor,
        campaign_id(input.campaign_id),
        theme_id(input.theme_id),
        info.context.services.department_scope,
    )
    return CampaignAssignedToTheme(campaign=Campaign.from_document(campaign), assigned=assigned)
