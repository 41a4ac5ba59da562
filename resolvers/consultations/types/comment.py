"""Comment, Theme and AdoptionReport: what citizens said on a consultation, and what became of it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from bson import ObjectId
from strawberry import relay

from models.common.actors import Role
from models.common.db import Document
from models.consultations.comment_moderation import CONSULTATION_COMMENT
from models.consultations.comments import EDIT_WINDOW
from models.consultations.documents import (
    PUBLIC,
    Channel,
    CommentDocument,
    CommentStatus,
    Outcome,
    Stage,
    Stance,
    ThemeDocument,
)
from models.consultations.report import effective_outcome
from models.departments.policy import may_act_for
from resolvers.common.context import Info
from resolvers.common.relay import DocumentNode, load_nodes, load_reference, node_object_id
from resolvers.consultations.loaders import (
    CAMPAIGN_BY_ID,
    COMMENT_BY_ID,
    CONSULTATION_BY_ID,
    THEME_BY_ID,
    agreed_by,
)
from resolvers.consultations.types.consultation import Consultation
from resolvers.departments.loaders import DEPARTMENT_BY_ID
from resolvers.identity.loaders import PERSON_BY_ID
from resolvers.identity.types import Person
from resolvers.moderation.content_moderation import ContentModeration, moderation_of

if TYPE_CHECKING:
    from resolvers.consultations.types.campaign import Campaign

# types.campaign imports this module, so the schema resolves the campaign's type lazily.
LazyCampaign = Annotated["Campaign", strawberry.lazy("resolvers.consultations.types.campaign")]

# The stored enums, as GraphQL enums (registered on the models' enums themselves).
strawberry.enum(Stance, name="Stance", description="What a comment says about the text.")
strawberry.enum(
    CommentStatus,
    name="CommentStatus",
    description="PENDING: waiting for a moderator (only its author sees it); DELETED: a tombstone.",
)
strawberry.enum(Outcome, name="Outcome", description="What the adoption report decided about a comment.")
strawberry.enum(Channel, name="Channel", description="How a comment reached Townhall: the app, or a helper.")


async def report_visible(info: Info, consultation_id: ObjectId) -> bool:
    """Outcomes and themes are drafts until the report is published: before that, only the
    department's officials (and admins) see them."""
    consultation = await info.context.loaders[CONSULTATION_BY_ID].load(consultation_id)
    if consultation is None:
        return False
    if consultation["stage"] == Stage.CONCLUDED:
        return True
    actor = info.context.actor
    if actor.role not in (Role.OFFICIAL, Role.ADMIN):
        return False  # decided without loading the department
    department = await info.context.loaders[DEPARTMENT_BY_ID].load(consultation["department_id"])
    return department is not None and may_act_for(actor, department, info.context.services.department_scope)


@strawberry.type(description="An outcome with its reason: a comment's own, or its theme's.")
class CommentOutcome:
    outcome: Outcome
    reason: str
    theme_id: strawberry.Private[ObjectId | None]

    @strawberry.field(description="The theme whose outcome this is; null when given to the comment itself.")
    async def theme(self, info: Info) -> Theme | None:
        return await load_reference(info, THEME_BY_ID, self.theme_id, Theme.from_document)

    @classmethod
    def from_stored(cls, outcome: Document | None) -> CommentOutcome | None:
        if not outcome:
            return None
        return cls(
            outcome=Outcome(outcome["code"]), reason=outcome["reason"], theme_id=outcome.get("theme_id")
        )


@strawberry.type(description="Similar comments grouped by officials, so that one outcome answers them all.")
class Theme(DocumentNode, relay.Node):
    LOADER = THEME_BY_ID

    id: relay.NodeID[str]
    title: str
    created_at: datetime
    document: strawberry.Private[ThemeDocument]

    @classmethod
    def from_document(cls, document: ThemeDocument) -> Theme:
        return cls(
            id=str(document["_id"]),
            title=document["title"],
            created_at=document["created_at"],
            document=document,
        )

    @strawberry.field(
        description="Null until the report is published, except for the department's officials."
    )
    async def outcome(self, info: Info) -> CommentOutcome | None:
        if not await report_visible(info, self.document["consultation_id"]):
            return None
        return CommentOutcome.from_stored(self.document.get("outcome"))

    @strawberry.field
    async def consultation(self, info: Info) -> Consultation | None:
        return await load_reference(
            info, CONSULTATION_BY_ID, self.document["consultation_id"], Consultation.from_document
        )


@strawberry.type(description="An official's public answer to a comment.")
class CommentReply:
    text: str
    replied_at: datetime
    official_id: strawberry.Private[ObjectId | None]

    @strawberry.field(description="The official who answered (their public name and department).")
    async def official(self, info: Info) -> Person | None:
        return await load_reference(info, PERSON_BY_ID, self.official_id, Person.from_document)


@strawberry.type(description="A citizen's comment on a clause of a consultation, or on the whole draft.")
class Comment(DocumentNode, relay.Node):
    LOADER = COMMENT_BY_ID

    id: relay.NodeID[str]
    clause_id: str | None = strawberry.field(description="The clause commented on; null: the whole draft.")
    clause_version: int = strawberry.field(description="The version of the text the comment was made on.")
    stance: Stance
    text: str | None = strawberry.field(description="Null once its author deleted it (a tombstone).")
    status: CommentStatus
    channel: Channel
    via_helper: bool = strawberry.field(description="A helper submitted it for the citizen (see channel).")
    agree_count: int = strawberry.field(description="How many other people agree.")
    created_at: datetime
    edited_at: datetime | None
    document: strawberry.Private[CommentDocument]

    @classmethod
    def from_document(cls, document: CommentDocument) -> Comment:
        return cls(
            id=str(document["_id"]),
            clause_id=document.get("clause_id"),
            clause_version=document.get("version", 1),
            stance=Stance(document["stance"]),
            text=document.get("text"),
            status=CommentStatus(document["status"]),
            channel=Channel(document.get("channel", Channel.APP)),
            via_helper=document.get("helper_id") is not None,
            agree_count=document.get("agree_count", 0),
            created_at=document["created_at"],
            edited_at=document.get("edited_at"),
            document=document,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """By id: a comment not published (pending, rejected) only for its author."""
        person_id = info.context.actor.person_id
        viewer = str(person_id) if person_id is not None else PUBLIC
        nodes = await load_nodes(info, cls.LOADER, node_ids, cls.from_document)
        return [
            node if node is not None and node.document.get("visible_to") in (PUBLIC, viewer) else None
            for node in nodes
        ]

    @strawberry.field(description="Until when its author may still edit it (if nobody replied by then).")
    def editable_until(self) -> datetime:
        created_at: datetime = self.document["created_at"]
        return created_at + EDIT_WINDOW

    @strawberry.field(description="The consultation it belongs to.")
    async def consultation(self, info: Info) -> Consultation | None:
        return await load_reference(
            info, CONSULTATION_BY_ID, self.document["consultation_id"], Consultation.from_document
        )

    @strawberry.field(description="Its author's public name; null once deleted.")
    async def author(self, info: Info) -> Person | None:
        if self.document["status"] == CommentStatus.DELETED:
            return None
        return await load_reference(info, PERSON_BY_ID, self.document.get("author_id"), Person.from_document)

    @strawberry.field(description="Whether the signed-in person agrees with it (false when nobody is).")
    async def agreed_by_me(self, info: Info) -> bool:
        person_id = info.context.actor.person_id
        if person_id is None:
            return False
        return bool(await info.context.loaders[agreed_by(person_id)].load(self.document["_id"]))

    @strawberry.field(description="The official answer, if any.")
    def reply(self) -> CommentReply | None:
        reply = self.document.get("reply")
        if not reply:
            return None
        return CommentReply(text=reply["text"], replied_at=reply["at"], official_id=reply.get("official_id"))

    @strawberry.field(
        description="Its outcome in the adoption report (its own, or its theme's): null until the report "
        "is published, except for the department's officials."
    )
    async def outcome(self, info: Info) -> CommentOutcome | None:
        if not await report_visible(info, self.document["consultation_id"]):
            return None
        theme_id = self.document.get("theme_id")
        themes: dict[ObjectId, ThemeDocument] = {}
        if theme_id is not None:
            theme = await info.context.loaders[THEME_BY_ID].load(theme_id)
            themes = {theme_id: theme} if theme else {}
        return CommentOutcome.from_stored(effective_outcome(self.document, themes))

    @strawberry.field(description="The campaign of near-identical comments it belongs to, if any.")
    async def campaign(self, info: Info) -> LazyCampaign | None:
        from resolvers.consultations.types.campaign import Campaign

        return await load_reference(
            info, CAMPAIGN_BY_ID, self.document.get("campaign_id"), Campaign.from_document
        )

    @strawberry.field(description="The theme officials put it in; visible as its outcome is.")
    async def theme(self, info: Info) -> Theme | None:
        if not await report_visible(info, self.document["consultation_id"]):
            return None
        return await load_reference(info, THEME_BY_ID, self.document.get("theme_id"), Theme.from_document)

    @strawberry.field(
        description="What moderation decided about it and why, for its author and moderators; null for "
        "everyone else, and for comments never held or reported."
    )
    async def moderation(self, info: Info) -> ContentModeration | None:
        return await moderation_of(
            info, CONSULTATION_COMMENT, self.document["_id"], self.document.get("author_id")
        )


@strawberry.type
class OutcomeCounts:
    adopted: int
    partly_adopted: int
    not_adopted: int
    noted: int


@strawberry.type(description="What the department adopted from the comments, published when it concluded.")
class AdoptionReport:
    summary: str
    changed_clause_ids: list[str] = strawberry.field(description="Clauses the final text changed.")
    comment_count: int = strawberry.field(description="Published comments, each with an outcome.")
    outcomes: OutcomeCounts
    published_at: datetime

    @strawberry.field(description="Adopted or partly adopted comments as a share of all (0–1); null if none.")
    def adopted_share(self) -> float | None:
        if not self.comment_count:
            return None
        return (self.outcomes.adopted + self.outcomes.partly_adopted) / self.comment_count

    @classmethod
    def from_document(cls, report: Document) -> AdoptionReport:
        outcomes = report.get("outcomes") or {}
        return cls(
            summary=report["summary"],
            changed_clause_ids=list(report.get("changed_clause_ids", [])),
            comment_count=report.get("comments", 0),
            outcomes=OutcomeCounts(
                adopted=outcomes.get(Outcome.ADOPTED, 0),
                partly_adopted=outcomes.get(Outcome.PARTLY_ADOPTED, 0),
                not_adopted=outcomes.get(Outcome.NOT_ADOPTED, 0),
                noted=outcomes.get(Outcome.NOTED, 0),
            ),
            published_at=report["published_at"],
        )


def comment_id(global_id: relay.GlobalID, field: str = "commentId") -> ObjectId:
    return node_object_id(global_id, Comment.__name__, field)


def theme_id(global_id: relay.GlobalID, field: str = "themeId") -> ObjectId:
    return node_object_id(global_id, Theme.__name__, field)
