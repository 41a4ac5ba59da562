"""The Consultation type: a draft policy read clause by clause, with its stage, deadlines and figures."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from bson import ObjectId
from strawberry import relay

from models.common.clock import utcnow
from models.common.pagination import PageArgs
from models.consultations import policy, stages, versions
from models.consultations.clauses import ChangeKind, ClauseText
from models.consultations.documents import ConsultationDocument, Stage
from resolvers.common.context import Info
from resolvers.common.relay import DocumentNode, load_nodes, load_reference, node_object_id
from resolvers.consultations.loaders import CONSULTATION_BY_ID, VERSIONS_BY_CONSULTATION
from resolvers.departments.loaders import DEPARTMENT_BY_ID
from resolvers.departments.types import Department
from resolvers.districts.loaders import DISTRICT_BY_ID
from resolvers.districts.types import District
from resolvers.topics.loaders import TOPIC_BY_ID
from resolvers.topics.types import Topic

if TYPE_CHECKING:
    from resolvers.consultations.types.campaign import Campaign
    from resolvers.consultations.types.comment import AdoptionReport

# types.comment imports this module, so the schema resolves the report's type lazily.
LazyAdoptionReport = Annotated["AdoptionReport", strawberry.lazy("resolvers.consultations.types.comment")]
LazyCampaign = Annotated["Campaign", strawberry.lazy("resolvers.consultations.types.campaign")]

# The stored enums, as GraphQL enums (registered on the models' enums themselves).
strawberry.enum(
    Stage,
    name="ConsultationStage",
    description="DRAFT → OPEN → CLOSED → CONCLUDED (with the adoption report), or WITHDRAWN.",
)
strawberry.enum(ChangeKind, name="ClauseChangeKind", description="How a clause differs between two versions.")


@strawberry.type(description="A numbered clause of the text; its `clauseId` stays the same across versions.")
class Clause:
    # Named clauseId, not id: "c1" is unique only within its consultation, and app caches key
    # objects by `id` across the whole graph.
    clause_id: str = strawberry.field(description="Stable within the consultation, e.g. 'c3'.")
    label: str = strawberry.field(description="As the text numbers it, e.g. '第三条 第二款'.")
    text: str
    comment_count: int = strawberry.field(description="Published comments anchored to this clause.")


@strawberry.type(description="A later closing time, with the reason citizens are shown.")
class ConsultationExtension:
    previous_closes_at: datetime
    closes_at: datetime
    reason: str
    extended_at: datetime


@strawberry.type
class StanceCounts:
    support: int
    oppose: int
    suggestion: int


@strawberry.type
class ClauseCount:
    clause_id: str
    count: int


@strawberry.type(description="Figures kept as comments come in (published comments only).")
class ConsultationCounters:
    comment_count: int
    commenter_count: int = strawberry.field(description="People, each counted once.")
    by_stance: StanceCounts
    by_clause: list[ClauseCount] = strawberry.field(description="Clauses with comments, in text order.")


@strawberry.type(description="One clause's difference between two versions of the text.")
class ClauseChange:
    clause_id: str
    label: str
    before: str | None = strawberry.field(description="Null when the clause was added.")
    after: str | None = strawberry.field(description="Null when the clause was removed.")
    kind: ChangeKind


@strawberry.type(description="A stored version of the text.")
class ConsultationVersion:
    number: int
    note: str = strawberry.field(description="What the revision changed and why (empty for version 1).")
    created_at: datetime


def _counters(document: ConsultationDocument) -> ConsultationCounters:
    counters = document.get("counters") or {}
    stances = counters.get("stances") or {}
    by_clause = counters.get("clauses") or {}
    # Text order first, then clauses removed by a revision (their comments still count).
    ordered = [clause["id"] for clause in document["clauses"]]
    current = set(ordered)
    ordered += sorted(clause_id for clause_id in by_clause if clause_id not in current)
    return ConsultationCounters(
        comment_count=counters.get("comments", 0),
        commenter_count=counters.get("commenters", 0),
        by_stance=StanceCounts(
            support=stances.get("SUPPORT", 0),
            oppose=stances.get("OPPOSE", 0),
            suggestion=stances.get("SUGGESTION", 0),
        ),
        by_clause=[
            ClauseCount(clause_id=clause_id, count=by_clause[clause_id])
            for clause_id in ordered
            if by_clause.get(clause_id)
        ],
    )


@strawberry.type(
    description="A draft policy put to the public (意见征集): commented clause by clause, then reported on."
)
class Consultation(DocumentNode, relay.Node):
    LOADER = CONSULTATION_BY_ID

    id: relay.NodeID[str]
    title: str
    summary: str = strawberry.field(description="Plain language, at most 300 characters: shown first.")
    stage: Stage
    clauses: list[Clause] = strawberry.field(description="The current text, in order.")
    version: int = strawberry.field(description="The number of the current text's version.")
    revision: int = strawberry.field(description="Changes with each draft edit; an edit names it.")
    premoderated: bool = strawberry.field(description="Comments are screened before they appear.")
    opens_at: datetime
    closes_at: datetime
    publish_at: datetime | None = strawberry.field(description="When a scheduled draft opens; else null.")
    published_at: datetime | None
    closed_at: datetime | None
    report_due_at: datetime | None = strawberry.field(description="The adoption report's deadline.")
    report_overdue: bool
    extensions: list[ConsultationExtension]
    withdrawn_reason: str | None
    withdrawn_at: datetime | None
    counters: ConsultationCounters
    created_at: datetime
    updated_at: datetime
    document: strawberry.Private[ConsultationDocument]

    @classmethod
    def from_document(cls, document: ConsultationDocument) -> Consultation:
        clause_counts = (document.get("counters") or {}).get("clauses") or {}
        withdrawn = document.get("withdrawn") or {}
        return cls(
            id=str(document["_id"]),
            title=document["title"],
            summary=document["summary"],
            stage=Stage(document["stage"]),
            clauses=[
                Clause(
                    clause_id=clause["id"],
                    label=clause["label"],
                    text=clause["text"],
                    comment_count=clause_counts.get(clause["id"], 0),
                )
                for clause in document["clauses"]
            ],
            version=document["version"],
            revision=document["revision"],
            premoderated=document["premoderated"],
            opens_at=document["opens_at"],
            closes_at=document["closes_at"],
            publish_at=document.get("publish_at"),
            published_at=document.get("published_at"),
            closed_at=document.get("closed_at"),
            report_due_at=document.get("report_due_at"),
            report_overdue=bool(document.get("report_overdue")),
            extensions=[
                ConsultationExtension(
                    previous_closes_at=extension["from"],
                    closes_at=extension["to"],
                    reason=extension["reason"],
                    extended_at=extension["at"],
                )
                for extension in document.get("extensions", [])
            ],
            withdrawn_reason=withdrawn.get("reason"),
            withdrawn_at=withdrawn.get("at"),
            counters=_counters(document),
            created_at=document["created_at"],
            updated_at=document["updated_at"],
            document=document,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """By id, as `node` and `consultation` fetch them: a draft only for its department's officials."""
        nodes = await load_nodes(info, cls.LOADER, node_ids, cls.from_document)
        return [node if node is not None and await node.readable(info) else None for node in nodes]

    async def readable(self, info: Info) -> bool:
        if policy.is_published(self.document):
            return True
        department = await info.context.loaders[DEPARTMENT_BY_ID].load(self.document["department_id"])
        return policy.may_read(
            info.context.actor, self.document, department, info.context.services.department_scope
        )

    @strawberry.field(description="Whether comments are taken now (open, and before the closing time).")
    def accepting_comments(self) -> bool:
        return stages.accepts_comments(self.document, utcnow())

    @strawberry.field(description="The department that holds the consultation and must report back.")
    async def department(self, info: Info) -> Department | None:
        return await load_reference(
            info, DEPARTMENT_BY_ID, self.document["department_id"], Department.from_document
        )

    @strawberry.field(description="The districts concerned.")
    async def districts(self, info: Info) -> list[District]:
        found = await info.context.loaders[DISTRICT_BY_ID].load_many(self.document.get("district_ids", []))
        return [District.from_document(document) for document in found if document]

    @strawberry.field(description="The topics it belongs to.")
    async def topics(self, info: Info) -> list[Topic]:
        found = await info.context.loaders[TOPIC_BY_ID].load_many(self.document.get("topic_ids", []))
        return [Topic.from_document(document) for document in found if document]

    @strawberry.field(
        description="The adoption report: what became of every comment. Null until it is published "
        "(stage CONCLUDED)."
    )
    def report(self) -> LazyAdoptionReport | None:
        from resolvers.consultations.types.comment import AdoptionReport

        report = self.document.get("report")
        return AdoptionReport.from_document(report) if report else None

    @strawberry.field(
        description="Near-identical comments grouped as they came (at least two published in each), in "
        "the order each began."
    )
    async def campaigns(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> relay.Connection[LazyCampaign]:
        from resolvers.consultations.types.campaign import consultation_campaigns

        args = PageArgs(first=first, after=after, last=last, before=before)
        return await consultation_campaigns(info, self.document["_id"], args)

    @strawberry.field(description="The stored versions of the text, oldest first.")
    async def versions(self, info: Info) -> list[ConsultationVersion]:
        found = await info.context.loaders[VERSIONS_BY_CONSULTATION].load(self.document["_id"])
        return [
            ConsultationVersion(number=v["number"], note=v.get("note", ""), created_at=v["created_at"])
            for v in found
        ]

    @strawberry.field(description="What changed, clause by clause, from one version to another.")
    async def version_diff(
        self,
        info: Info,
        from_version: Annotated[int, strawberry.argument(name="from")],
        to_version: Annotated[int, strawberry.argument(name="to")],
    ) -> list[ClauseChange]:
        changes = await versions.diff_versions(info.context.db, self.document, from_version, to_version)
        return [
            ClauseChange(
                clause_id=change.clause_id,
                label=change.label,
                before=change.before,
                after=change.after,
                kind=change.kind,
            )
            for change in changes
        ]


@strawberry.input(
    description="A clause as written; give `clauseId` to keep an existing clause (and its comments)."
)
class ClauseInput:
    label: str
    text: str
    clause_id: str | None = strawberry.field(default=None, description="An existing clause's id, e.g. 'c3'.")


def clause_texts(clauses: Iterable[ClauseInput]) -> list[ClauseText]:
    return [ClauseText(label=clause.label, text=clause.text, id=clause.clause_id) for clause in clauses]


def consultation_id(global_id: relay.GlobalID, field: str = "id") -> ObjectId:
    """The stored id behind a Consultation's global id; another type's id is refused."""
    return node_object_id(global_id, Consultation.__name__, field)
