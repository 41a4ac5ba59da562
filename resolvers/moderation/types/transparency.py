"""The public monthly transparency report of moderation."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models.moderation.transparency import TransparencyReport as Report


@strawberry.type(name="TransparencyCount", description="How many decisions had this key.")
class TransparencyCount:
    key: str
    count: int


@strawberry.type(name="TransparencyReasonCount", description="How many decisions gave this reason code.")
class TransparencyReasonCount:
    key: str = strawberry.field(description="The reason code.")
    label: str = strawberry.field(description="What the code means, for people.")
    count: int


@strawberry.type(name="TransparencyKindCount", description="Decisions on one kind of content, by action.")
class TransparencyKindCount:
    key: str = strawberry.field(description="The content kind, e.g. consultation_comment.")
    count: int
    actions: list[TransparencyCount]


@strawberry.type(
    description="Moderation in one month of the deployment's time zone: what was decided, why, how fast, "
    "how appeals went, and how often automatic screening held content that was then approved."
)
class TransparencyReport:
    year: int
    month: int
    time_zone: str = strawberry.field(description="The time zone the month is counted in.")
    decisions: int = strawberry.field(description="Decisions made in the month (escalations are not).")
    actions: list[TransparencyCount] = strawberry.field(description="Decisions by action, most first.")
    reasons: list[TransparencyReasonCount] = strawberry.field(
        description="Decisions by reason code, most first; approvals without a reason are not listed."
    )
    content_kinds: list[TransparencyKindCount] = strawberry.field(description="Decisions by content kind.")
    median_seconds_to_decision: float | None = strawberry.field(
        description="Median time from entering the queue to the decision; null without decisions."
    )
    p90_seconds_to_decision: float | None = strawberry.field(
        description="Nine in ten decisions came at most this long after the item entered the queue."
    )
    appeals_decided: int
    appeals_overturned: int
    overturned_share: float | None = strawberry.field(
        description="Overturned / decided appeals; null when no appeal was decided."
    )
    held_by_screening: int = strawberry.field(
        description="Decided items that automatic screening had held (not premoderation or reports alone)."
    )
    held_by_screening_approved: int
    held_approved_share: float | None = strawberry.field(
        description="Approved / held by screening; null when screening held nothing that was decided."
    )
    generated_at: datetime
    final: bool = strawberry.field(description="The month is over and these figures will not change.")

    @classmethod
    def from_report(cls, report: Report, labels: dict[str, str]) -> TransparencyReport:
        return cls(
            year=report.year,
            month=report.month,
            time_zone=report.time_zone,
            decisions=report.decisions,
            actions=_counts(report.by_action),
            reasons=[
                TransparencyReasonCount(key=code, label=labels.get(code, code), count=count)
                for code, count in report.by_reason.items()
            ],
            content_kinds=[
                TransparencyKindCount(key=kind, count=sum(actions.values()), actions=_counts(actions))
                for kind, actions in report.by_kind.items()
            ],
            median_seconds_to_decision=report.median_seconds_to_decision,
            p90_seconds_to_decision=report.p90_seconds_to_decision,
            appeals_decided=report.appeals_decided,
            appeals_overturned=report.appeals_overturned,
            overturned_share=report.overturned_share,
            held_by_screening=report.held_by_screening,
            held_by_screening_approved=report.held_by_screening_approved,
            held_approved_share=report.held_approved_share,
            generated_at=report.generated_at,
            final=report.final,
        )


def _counts(counts: dict[str, int]) -> list[TransparencyCount]:
    return [TransparencyCount(key=key, count=count) for key, count in counts.items()]
