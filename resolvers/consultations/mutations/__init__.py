"""Mutations of a consultation's life cycle, one per module."""

from __future__ import annotations

import strawberry

from resolvers.consultations.mutations.assign_campaign_to_theme import assign_campaign_to_theme
from resolvers.consultations.mutations.close_consultation import close_consultation
from resolvers.consultations.mutations.create_consultation import create_consultation
from resolvers.consultations.mutations.edit_consultation_draft import edit_consultation_draft
from resolvers.consultations.mutations.extend_consultation import extend_consultation
from resolvers.consultations.mutations.publish_consultation import publish_consultation
from resolvers.consultations.mutations.revise_consultation import revise_consultation
from resolvers.consultations.mutations.withdraw_consultation import withdraw_consultation


@strawberry.type
class ConsultationMutations:
    create_consultation = strawberry.mutation(
        resolver=create_consultation,
        description="Draft a consultation (officials of the department, admins).",
    )
    edit_consultation_draft = strawberry.mutation(
        resolver=edit_consultation_draft,
        description="Change a draft; an edit made on an old revision is refused (StaleEditError).",
    )
    publish_consultation = strawberry.mutation(
        resolver=publish_consultation, description="Open a draft for comments, now or at a set time."
    )
    extend_consultation = strawberry.mutation(
        resolver=extend_consultation,
        description="Move an open consultation's closing time later, with a reason.",
    )
    withdraw_consultation = strawberry.mutation(
        resolver=withdraw_consultation, description="Withdraw a draft or an open consultation, with a reason."
    )
    close_consultation = strawberry.mutation(
        resolver=close_consultation,
        description="Close an open consultation early; the report deadline starts.",
    )
    revise_consultation = strawberry.mutation(
        resolver=revise_consultation,
        description="A new version of an open consultation's text; commenters on changed clauses are told.",
    )
    assign_campaign_to_theme = strawberry.mutation(
        resolver=assign_campaign_to_theme,
        description="Officials: put every published comment of a campaign into a theme, answering it once.",
    )
