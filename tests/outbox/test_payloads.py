"""Event payloads read through their kind's TypedDict, and the events.py constructors that write them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import NotRequired, TypedDict

import pytest
from bson import ObjectId

from models.common.outbox import Event, MalformedPayload, payload_of
from models.consultations import events as consultation_events
from models.identity import events as identity_events
from models.moderation import events as moderation_events
from models.moderation.content_kinds import Action, Decision
from moderation.screening import Screening

AT = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


class MotionTabled(TypedDict):
    motion_id: ObjectId
    seconded: NotRequired[bool]  # under `from __future__ import annotations`, as in every events.py


class TestPayloadOf:
    def test_returns_the_payload_as_its_typed_dict(self) -> None:
        payload = {"motion_id": ObjectId()}

        assert payload_of(payload, MotionTabled) is payload

    def test_a_not_required_key_may_be_missing(self) -> None:
        assert payload_of({"motion_id": ObjectId()}, MotionTabled).get("seconded") is None

    def test_refuses_a_payload_without_a_required_key(self) -> None:
        with pytest.raises(MalformedPayload, match=r"MotionTabled payload lacks \['motion_id'\]"):
            payload_of({"seconded": True}, MotionTabled)


def _item() -> dict[str, object]:
    return {
        "_id": "consultation_comment:1",
        "author_id": ObjectId(),
        "kind": "consultation_comment",
        "ref_id": 1,
    }


def _events() -> list[tuple[Event, type[Mapping[str, object]]]]:
    comment_id, consultation_id, person_id = ObjectId(), ObjectId(), ObjectId()
    decision = Decision(action=Action.HIDE, reason_code="spam", note=None, moderator_id=ObjectId(), at=AT)
    return [
        (
            consultation_events.replied_event(
                person_id=person_id, comment_id=comment_id, consultation_id=consultation_id, at=AT
            ),
            consultation_events.CommentReplied,
        ),
        (
            consultation_events.outcome_event(
                {"_id": comment_id, "author_id": person_id, "consultation_id": consultation_id},
                {"code": "ADOPTED", "reason": None},
                at=AT,
            ),
            consultation_events.CommentOutcome,
        ),
        (
            consultation_events.clause_changed_event(
                consultation_id=consultation_id, version=2, clause_ids=["c1"], person_id=person_id, at=AT
            ),
            consultation_events.ClauseChanged,
        ),
        (
            consultation_events.opened_event({"_id": consultation_id, "department_id": ObjectId()}, AT),
            consultation_events.ConsultationOpened,
        ),
        (
            consultation_events.report_overdue_event(
                consultation_id=consultation_id,
                department_id=ObjectId(),
                supervising_department_id=None,
                report_due_at=AT,
                at=AT,
            ),
            consultation_events.ReportOverdue,
        ),
        (
            moderation_events.hold_event(
                "consultation_comment",
                comment_id,
                person_id,
                Screening(status="PENDING", reasons=["spam"], score=0.5),
                AT,
            ),
            moderation_events.ContentHeld,
        ),
        (moderation_events.apply_event("consultation_comment:1", "1:1", AT), moderation_events.ItemToApply),
        (moderation_events.decision_event(_item(), "1:1", decision), moderation_events.Decided),
        (
            moderation_events.appeal_event(_item(), "1:1", upheld=False, reason_code="spam", at=AT),
            moderation_events.AppealDecided,
        ),
        (
            identity_events.locked_event(person_id=None, record_id="email:ab", locked_until=AT, at=AT),
            identity_events.SignInLocked,
        ),
    ]


EVENTS = _events()


class TestConstructors:
    @pytest.mark.parametrize(("event", "payload_type"), EVENTS, ids=[event.kind for event, _ in EVENTS])
    def test_each_writes_every_required_key_of_its_payload_type(
        self, event: Event, payload_type: type[Mapping[str, object]]
    ) -> None:
        assert payload_of(event.payload, payload_type) == event.payload
        assert set(event.payload) <= set(payload_type.__annotations__)
