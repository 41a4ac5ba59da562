"""The consultations domain's GraphQL fields: ConsultationQueries and ConsultationMutations."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from models.consultations.browse import CLOSING_SOON_DAYS, MAX_CLOSING_WITHIN_DAYS, ConsultationFilter, browse
from models.consultations.documents import Stage
from resolvers.common.context import Info
from resolvers.common.relay import connection_from_page, page_args
from resolvers.consultations.types.consultation import Consultation


@strawberry.type
class ConsultationQueries:
    @strawberry.field(
        description="Published consultations, newest first, filtered as given; drafts (stage DRAFT) only "
        "for officials of their department and admins. `search` finds Chinese phrases and words in the "
        "title, summary and text; `closingWithinDays` keeps those closing soon."
    )
    async def consultations(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        stage: Stage | None = None,
        department_code: str | None = None,
        district_code: str | None = None,
        topic_code: str | None = None,
        search: str | None = None,
        closing_within_days: Annotated[
            int | None,
            strawberry.argument(
                description="Only consultations open now and closing within this many days (24 hours "
                f"each, 1–{MAX_CLOSING_WITHIN_DAYS}); the app's 'closing soon' list asks for "
                f"{CLOSING_SOON_DAYS}. Null: any closing time."
            ),
        ] = None,
    ) -> relay.Connection[Consultation]:
        page = await browse(
            info.context.db,
            info.context.actor,
            ConsultationFilter(
                stage=stage,
                department_code=department_code,
                district_code=district_code,
                topic_code=topic_code,
                search=search,
                closing_within_days=closing_within_days,
            ),
            page_args(first, after, last, before),
            info.context.page_bounds,
            info.context.services.department_scope,
        )
        return connection_from_page(relay.Connection[Consultation], page, Consultation.from_document)

    @strawberry.field(description="The consultation with this id, or null (a draft only for its department).")
    async def consultation(self, info: Info, id: relay.GlobalID) -> Consultation | None:
        if id.type_name != Consultation.__name__:
            return None
        found = await Consultation.resolve_nodes(info=info, node_ids=[id.node_id])
        return found[0] if found else None
