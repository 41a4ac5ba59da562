"""ModerationItem and what hangs off it: decisions, the escalation, the appeal, reason codes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

import strawberry
from bson import ObjectId
from strawberry import relay

from models.common.clock import utcnow
from models.moderation.documents import AppealDocument, DecisionDocument, ModerationItemDocument
from models.moderation.policy import may_read
from models.moderation.queue import FREE
from moderation.detectors.personal_data import find_personal_data
from resolvers.common.context import Info
from resolvers.common.relay import load_reference, node_key
from resolvers.identity.loaders import PERSON_BY_ID
from resolvers.identity.types import Person
from resolvers.moderation.content import CONTENT_PRESENTERS, ModerationContent, load_content
from resolvers.moderation.content_moderation import MODERATION_ITEM
from resolvers.moderation.enums import Action, Audience, ItemStatus
from resolvers.moderation.loaders import ITEM_BY_ID, ORIGINAL_BY_ITEM, REASON_LABEL


@strawberry.type(description="A reason code moderators pick, with its label in words.")
class ModerationReason:
    code: str
    label: str


@strawberry.type(description="Characters start (inclusive) to end (exclusive) of a text.")
class TextSpan:
    start: int
    end: int


@strawberry.type(description="A moderator's decision (or escalation), with the private note staff see.")
class ModerationDecision:
    action: Action
    reason_code: str | None
    note: str | None = strawberry.field(description="For staff only; the author is never shown it.")
    at: datetime
    redactions: list[TextSpan] = strawberry.field(description="REDACT: the spans of the text redacted.")
    moderator_id: strawberry.Private[ObjectId | None]
    kind: strawberry.Private[str]
    merge_into: strawberry.Private[Any]

    @strawberry.field(description="MERGE_DUPLICATE: the content this one duplicates.")
    async def merged_into(self, info: Info) -> ModerationContent | None:
        if self.merge_into is None:
            return None
        return cast(ModerationContent | None, await load_content(info, self.kind, self.merge_into))

    @strawberry.field(description="The reason in words.")
    async def reason_label(self, info: Info) -> str | None:
        if self.reason_code is None:
            return None
        return await info.context.loaders[REASON_LABEL].load(self.reason_code)

    @strawberry.field(description="Who decided.")
    async def moderator(self, info: Info) -> Person | None:
        return await load_reference(info, PERSON_BY_ID, self.moderator_id, Person.from_document)

    @classmethod
    def from_stored(cls, decision: DecisionDocument | None, kind: str) -> ModerationDecision | None:
        if not decision:
            return None
        return cls(
            action=Action(decision["action"]),
            reason_code=decision.get("reason_code"),
            note=decision.get("note"),
            at=decision["at"],
            redactions=[TextSpan(start=start, end=end) for start, end in decision.get("redactions") or ()],
            moderator_id=decision.get("moderator_id"),
            kind=kind,
            merge_into=decision.get("merge_into"),
        )


@strawberry.type(description="How another moderator decided an appeal.")
class AppealDecision:
    upheld: bool = strawberry.field(description="True: the decision stands; false: it was overturned.")
    note: str | None
    at: datetime
    moderator_id: strawberry.Private[ObjectId | None]

    @strawberry.field(description="Who decided the appeal.")
    async def moderator(self, info: Info) -> Person | None:
        return await load_reference(info, PERSON_BY_ID, self.moderator_id, Person.from_document)


@strawberry.type(description="The author's appeal against a decision.")
class ModerationAppeal:
    text: str
    at: datetime
    decision: AppealDecision | None = strawberry.field(description="Null while the appeal waits.")

    @classmethod
    def from_stored(cls, appeal: AppealDocument | None) -> ModerationAppeal | None:
        if not appeal:
            return None
        outcome = appeal.get("decision")
        return cls(
            text=appeal["text"],
            at=appeal["at"],
            decision=AppealDecision(
                upheld=outcome["upheld"],
                note=outcome.get("note"),
                at=outcome["at"],
                moderator_id=outcome.get("moderator_id"),
            )
            if outcome
            else None,
        )


@strawberry.type(description="One piece of content in the moderation queue (moderators and admins only).")
class ModerationItem(relay.Node):
    id: relay.NodeID[str]
    kind: str = strawberry.field(description="The kind of content, e.g. consultation_comment.")
    status: ItemStatus
    audience: Audience
    priority: int = strawberry.field(description="Higher first; then older first.")
    due_at: datetime | None
    screening_reasons: list[str] = strawberry.field(
        description="Why screening held it, e.g. personal_data:mobile, lexicon:abuse, premoderated."
    )
    created_at: datetime
    claims: int = strawberry.field(description="How many times it was claimed.")
    report_count: int = strawberry.field(description="How many times people reported it.")
    decision: ModerationDecision | None
    escalation: ModerationDecision | None = strawberry.field(
        description="The moderator's hand-over to admins, when it was escalated."
    )
    appeal: ModerationAppeal | None
    document: strawberry.Private[ModerationItemDocument]

    @classmethod
    def from_document(cls, document: ModerationItemDocument) -> ModerationItem:
        return cls(
            id=document["_id"],
            kind=document["kind"],
            status=ItemStatus(document["status"]),
            audience=Audience(document["audience"]),
            priority=document.get("priority", 0),
            due_at=document.get("due_at"),
            screening_reasons=list(document.get("reasons") or []),
            created_at=document["created_at"],
            claims=document.get("claims", 0),
            report_count=document.get("report_count", 0),
            decision=ModerationDecision.from_stored(document.get("decision"), document["kind"]),
            escalation=ModerationDecision.from_stored(document.get("escalation"), document["kind"]),
            appeal=ModerationAppeal.from_stored(document.get("appeal")),
            document=document,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """By id: only for moderators (their audience's items) and admins."""
        ids = list(node_ids)
        actor = info.context.actor
        found = await info.context.loaders[ITEM_BY_ID].load_many(ids)
        return [cls.from_document(item) if item and may_read(actor, item) else None for item in found]

    def _leased(self) -> bool:
        lease_until: datetime = self.document.get("lease_until") or FREE
        return self.document.get("lease_owner") is not None and lease_until > utcnow()

    @strawberry.field(
        description="Who holds it now; null when nobody does (never claimed, released, lapsed)."
    )
    async def lease_owner(self, info: Info) -> Person | None:
        if not self._leased():
            return None
        return await load_reference(info, PERSON_BY_ID, self.document["lease_owner"], Person.from_document)

    @strawberry.field(description="Until when its holder holds it; null when nobody does.")
    def lease_until(self) -> datetime | None:
        return self.document["lease_until"] if self._leased() else None

    @strawberry.field(description="The content, whatever its visibility to others; null once it is gone.")
    async def content(self, info: Info) -> ModerationContent | None:
        return cast(ModerationContent | None, await load_content(info, self.kind, self.document["ref_id"]))

    @strawberry.field(
        description="The content's text as its author wrote it, also when it is hidden from everyone "
        "else (moderators and admins only)."
    )
    async def original_text(self, info: Info) -> str | None:
        view = CONTENT_PRESENTERS.get(self.kind)
        if view is None or not may_read(info.context.actor, self.document):
            return None
        # Redacted content keeps its original in the restricted store; other content, in itself.
        original = await info.context.loaders[ORIGINAL_BY_ITEM].load(self.document["_id"])
        if original is not None:
            return original
        document = await info.context.loaders[view.loader].load(self.document["ref_id"])
        return view.original_text(document) if document else None

    @strawberry.field(
        description="Spans of `originalText` that look like personal data (phone, ID or bank card "
        "numbers, e-mail, plates): the redaction screening suggests (moderators and admins only)."
    )
    async def suggested_redactions(self, info: Info) -> list[TextSpan]:
        text = await self.original_text(info)
        if text is None:
            return []
        return [TextSpan(start=found.start, end=found.end) for found in find_personal_data(text)]


def item_id(global_id: relay.GlobalID, field: str = "itemId") -> str:
    """The stored id behind a ModerationItem's global id (a string); another type's id is refused."""
    return node_key(global_id, MODERATION_ITEM, field)
