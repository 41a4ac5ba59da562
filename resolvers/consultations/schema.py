"""The consultations domain's GraphQL fields: ConsultationQueries and ConsultationMutations."""

from __future__ import annotations

from typing import Annotated

import strawberry
from bson import ObjectId
from strawberry import relay

from models.common.errors import NotFound
from models.consultations import report
from models.consultations.documents import Stage
from models.consultations.figures import department_adoption
from models.consultations.repository import comments as comment_reads
from models.consultations.repository.browse import (
    CLOSING_SOON_DAYS,
    MAX_CLOSING_WITHIN_DAYS,
    ConsultationFilter,
    browse,
)
from models.consultations.repository.campaigns import similar_comments as find_similar_comments
from models.departments import repository as departments
from resolvers.common.context import Info
from resolvers.common.mutations import limited_query
from resolvers.common.relay import connection_from_page, own_page, page_args
from resolvers.consultations.loaders import CONSULTATION_BY_ID
from resolvers.consultations.mutations.assign_campaign_to_theme import assign_campaign_to_theme
from resolvers.consultations.mutations.assign_comments_to_theme import assign_comments_to_theme
from resolvers.consultations.mutations.close_consultation import close_consultation
from resolvers.consultations.mutations.create_consultation import create_consultation
from resolvers.consultations.mutations.create_theme import create_theme
from resolvers.consultations.mutations.delete_comment import delete_comment
from resolvers.consultations.mutations.edit_comment import edit_comment
from resolvers.consultations.mutations.edit_consultation_draft import edit_consultation_draft
from resolvers.consultations.mutations.extend_consultation import extend_consultation
from resolvers.consultations.mutations.publish_adoption_report import publish_adoption_report
from resolvers.consultations.mutations.publish_consultation import publish_consultation
from resolvers.consultations.mutations.reply_to_comment import reply_to_comment
from resolvers.consultations.mutations.revise_consultation import revise_consultation
from resolvers.consultations.mutations.set_comment_outcome import set_comment_outcome
from resolvers.consultations.mutations.set_theme_outcome import set_theme_outcome
from resolvers.consultations.mutations.submit_comment import submit_comment
from resolvers.consultations.mutations.submit_comment_on_behalf import submit_comment_on_behalf
from resolvers.consultations.mutations.toggle_agree import toggle_agree
from resolvers.consultations.mutations.withdraw_consultation import withdraw_consultation
from resolvers.consultations.types.comment import AdoptionReport, Comment, Theme
from resolvers.consultations.types.consultation import Consultation, consultation_id
from resolvers.consultations.types.figures import DepartmentScorecard
from resolvers.departments.types import Department


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

    @strawberry.field(
        description="A consultation's comments in the order they came: published ones and tombstones, plus "
        "your own that wait for a moderator. `clauseId` keeps one clause's."
    )
    async def consultation_comments(
        self,
        info: Info,
        consultation_id: relay.GlobalID,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        clause_id: str | None = None,
    ) -> relay.Connection[Comment]:
        page = await comment_reads.comments_of(
            info.context.db,
            info.context.actor,
            consultation_id_of(consultation_id),
            page_args(first, after, last, before),
            info.context.page_bounds,
            clause_id=clause_id,
        )
        return connection_from_page(relay.Connection[Comment], page, Comment.from_document)

    @strawberry.field(description="Your comments on every consultation, oldest first; null when signed out.")
    async def my_comments(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> relay.Connection[Comment] | None:
        page = await own_page(info, comment_reads.my_comments, first, after, last, before)
        if page is None:
            return None
        return connection_from_page(relay.Connection[Comment], page, Comment.from_document)

    @strawberry.field(
        description="The themes officials grouped a consultation's comments into, oldest first."
    )
    async def consultation_themes(
        self,
        info: Info,
        consultation_id: relay.GlobalID,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> relay.Connection[Theme]:
        page = await report.page_themes(
            info.context.db,
            consultation_id_of(consultation_id),
            page_args(first, after, last, before),
            info.context.page_bounds,
        )
        return connection_from_page(relay.Connection[Theme], page, Theme.from_document)

    @strawberry.field(description="A concluded consultation's adoption report; null before it is published.")
    async def adoption_report(self, info: Info, consultation_id: relay.GlobalID) -> AdoptionReport | None:
        document = await info.context.loaders[CONSULTATION_BY_ID].load(consultation_id_of(consultation_id))
        if document is None or not document.get("report"):
            return None
        return AdoptionReport.from_document(document["report"])

    @strawberry.field(description="A department's public figures for a month (more figures come later).")
    async def department_scorecard(self, info: Info, department_code: str, month: str) -> DepartmentScorecard:
        department = await departments.find_by_code(info.context.db, department_code.strip().lower())
        if department is None:
            raise NotFound(f"no department has the code {department_code!r}", field="departmentCode")
        figures = await department_adoption(
            info.context.db, department["_id"], month, info.context.services.calendar.time_zone
        )
        return DepartmentScorecard(
            department=Department.from_document(department),
            month=figures.month,
            consultations_concluded=figures.consultations,
            comments_answered=figures.answered,
            adopted=figures.outcomes["ADOPTED"],
            partly_adopted=figures.outcomes["PARTLY_ADOPTED"],
            not_adopted=figures.outcomes["NOT_ADOPTED"],
            noted=figures.outcomes["NOTED"],
            adoption_rate=figures.adoption_rate,
        )

    @strawberry.field(
        description="Published comments of the consultation nearly identical to `text`, most similar first: "
        "for 'similar comments already exist' while someone writes (agree with one instead?)."
    )
    @limited_query()
    async def similar_comments(
        self, info: Info, consultation_id: relay.GlobalID, text: str, first: int = 5
    ) -> list[Comment]:
        found = await find_similar_comments(info.context.db, consultation_id_of(consultation_id), text, first)
        return [Comment.from_document(document) for document in found]


@strawberry.type
class ConsultationMutations:
    # The life cycle, then comments, then the adoption report: the order of the schema's fields.
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
    submit_comment = strawberry.mutation(
        resolver=submit_comment, description="Comment on a clause of an open consultation, or on the whole."
    )
    submit_comment_on_behalf = strawberry.mutation(
        resolver=submit_comment_on_behalf,
        description="Helpers: submit a citizen's comment, the citizen identified by phone number.",
    )
    edit_comment = strawberry.mutation(
        resolver=edit_comment, description="Change your comment's text (first 15 minutes, before any reply)."
    )
    delete_comment = strawberry.mutation(resolver=delete_comment, description="Delete your comment.")
    toggle_agree = strawberry.mutation(
        resolver=toggle_agree, description="Agree with someone else's comment; again takes it back."
    )
    reply_to_comment = strawberry.mutation(
        resolver=reply_to_comment, description="Officials of the department: answer a comment publicly."
    )
    create_theme = strawberry.mutation(
        resolver=create_theme, description="Officials: group similar comments."
    )
    assign_comments_to_theme = strawberry.mutation(
        resolver=assign_comments_to_theme, description="Officials: put comments into a theme."
    )
    set_comment_outcome = strawberry.mutation(
        resolver=set_comment_outcome, description="Officials: a comment's own outcome, with a reason."
    )
    set_theme_outcome = strawberry.mutation(
        resolver=set_theme_outcome, description="Officials: the outcome of a theme's comments, with a reason."
    )
    publish_adoption_report = strawberry.mutation(
        resolver=publish_adoption_report,
        description="Officials: conclude a closed consultation; refused while a comment has no outcome.",
    )


def consultation_id_of(global_id: relay.GlobalID) -> ObjectId:
    return consultation_id(global_id, field="consultationId")
