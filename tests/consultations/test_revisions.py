"""Revising an open consultation: a new version, stable clause ids, a clause-by-clause diff, and one
event for each person who commented on a changed clause."""

from __future__ import annotations

import pytest
from bson import ObjectId
from strawberry.relay import to_base64

from models.common.errors import InvalidInput
from models.common.outbox import OUTBOX
from models.consultations import service, versions
from models.consultations.clauses import ChangeKind, ClauseChange, ClauseText
from models.consultations.documents import CONSULTATION_VERSIONS, CONSULTATIONS, CommentStatus
from models.consultations.errors import WrongStage
from tests.consultations.drafts import (
    SCOPE,
    insert_comment,
    make_city,
    make_draft,
    make_open,
    official,
    official_headers,
)
from tests.support.graphql_client import GraphQLClient

REVISE = """
mutation ($input: ReviseConsultationInput!) {
  reviseConsultation(input: $input) {
    __typename
    ... on UserError { code message field }
    ... on ConsultationRevised {
      consultation {
        version
        clauses { clauseId label text }
        versions { number note }
        versionDiff(from: 1, to: 2) { clauseId label before after kind }
      }
    }
  }
}
"""

# c1 unchanged, c2 reworded, c3 removed, a new clause added (it becomes c4).
REVISED_CLAUSES = [
    ClauseText("第一条", "为规范电动自行车停放秩序，保障消防安全，制定本办法。", id="c1"),
    ClauseText("第二条", "住宅小区应当设置集中停放和充电场所，并配备消防设施。", id="c2"),
    ClauseText("第三条", "物业服务企业应当劝阻违规停放行为。"),
]


def as_input(clauses: list[ClauseText]) -> list[dict[str, str | None]]:
    return [{"clauseId": c.id, "label": c.label, "text": c.text} for c in clauses]


class TestReviseThroughTheApi:
    async def test_a_revision_is_a_new_version_with_a_clause_by_clause_diff(
        self, gql: GraphQLClient, db
    ) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        housing = await official_headers(db, "housing")

        result = await gql.execute(
            REVISE,
            {
                "input": {
                    "id": to_base64("Consultation", str(consultation["_id"])),
                    "clauses": as_input(REVISED_CLAUSES),
                    "note": "采纳意见：增加消防设施要求",
                }
            },
            headers=housing,
        )

        revised = result.data["reviseConsultation"]["consultation"]
        assert revised["version"] == 2
        assert [c["clauseId"] for c in revised["clauses"]] == ["c1", "c2", "c4"]
        assert revised["versions"] == [
            {"number": 1, "note": ""},
            {"number": 2, "note": "采纳意见：增加消防设施要求"},
        ]
        assert revised["versionDiff"] == [
            {
                "clauseId": "c2",
                "label": "第二条",
                "before": "住宅小区应当设置集中停放和充电场所。",
                "after": "住宅小区应当设置集中停放和充电场所，并配备消防设施。",
                "kind": "CHANGED",
            },
            {
                "clauseId": "c4",
                "label": "第三条",
                "before": None,
                "after": "物业服务企业应当劝阻违规停放行为。",
                "kind": "ADDED",
            },
            {
                "clauseId": "c3",
                "label": "第三条",
                "before": "禁止在楼道、安全出口停放电动自行车或者为其充电。",
                "after": None,
                "kind": "REMOVED",
            },
        ]

    async def test_a_draft_is_edited_not_revised(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        draft = await make_draft(db, city["housing"])
        housing = await official_headers(db, "housing")

        result = await gql.execute(
            REVISE,
            {
                "input": {
                    "id": to_base64("Consultation", str(draft["_id"])),
                    "clauses": as_input(REVISED_CLAUSES),
                    "note": "修改",
                }
            },
            headers=housing,
        )

        assert result.data["reviseConsultation"]["message"] == (
            "only a consultation that is OPEN can be revised; this one is DRAFT"
        )


class TestCommentersAreTold:
    async def test_one_event_per_commenter_on_a_changed_clause(self, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        ann, bo, cai, dai, eve, fan = (ObjectId() for _ in range(6))
        await insert_comment(db, consultation, ann, "c2")
        await insert_comment(db, consultation, ann, "c3", CommentStatus.PENDING)
        await insert_comment(db, consultation, ann, "c2")  # twice on one clause: still one event
        await insert_comment(db, consultation, bo, "c2")
        await insert_comment(db, consultation, cai, "c1")  # unchanged clause
        await insert_comment(db, consultation, dai, "c2", CommentStatus.REJECTED)
        await insert_comment(db, consultation, eve, "c3", CommentStatus.DELETED)
        await insert_comment(db, consultation, fan, None)  # on the whole draft

        await service.revise(
            db, official(city["housing"]), consultation["_id"], REVISED_CLAUSES, "增加消防设施要求", SCOPE
        )

        events = await OUTBOX.of(db).find({"kind": "consultation.clause_changed"}).sort("_id", 1).to_list()
        cid = consultation["_id"]
        assert {event["_id"]: event["payload"] for event in events} == {
            f"clause-changed:{cid}:2:{ann}": {
                "consultation_id": cid,
                "version": 2,
                "clause_ids": ["c2", "c3"],
                "person_id": ann,
            },
            f"clause-changed:{cid}:2:{bo}": {
                "consultation_id": cid,
                "version": 2,
                "clause_ids": ["c2"],
                "person_id": bo,
            },
        }
        assert all(event["source"] == {"collection": "consultations", "id": cid} for event in events)
        # Relayed: nothing is left waiting in the consultation.
        assert "_outbox" not in await CONSULTATIONS.of(db).find_one({"_id": cid})

    async def test_a_revision_changing_only_labels_tells_nobody(self, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        await insert_comment(db, consultation, ObjectId(), "c1")
        relabelled = [
            ClauseText(f"第{n}条（修订）", c["text"], id=c["id"])
            for n, c in enumerate(consultation["clauses"])
        ]

        revised = await service.revise(
            db, official(city["housing"]), consultation["_id"], relabelled, "调整条文编号", SCOPE
        )

        assert revised["version"] == 2
        assert await OUTBOX.of(db).count_documents({"kind": "consultation.clause_changed"}) == 0


class TestRevisionRules:
    async def test_a_revision_that_changes_nothing_is_refused(self, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        same = [ClauseText(c["label"], c["text"], id=c["id"]) for c in consultation["clauses"]]

        with pytest.raises(InvalidInput, match="changes nothing"):
            await service.revise(db, official(city["housing"]), consultation["_id"], same, "无", SCOPE)

    async def test_an_id_the_consultation_never_had_is_refused(self, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])

        with pytest.raises(InvalidInput, match="no clause 'c9'") as refused:
            await service.revise(
                db,
                official(city["housing"]),
                consultation["_id"],
                [ClauseText("第一条", "新", id="c9")],
                "改",
                SCOPE,
            )
        assert refused.value.field == "clauses.id"

    async def test_a_removed_clause_can_come_back_with_its_id(self, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        official_actor = official(city["housing"])
        second = await service.revise(
            db, official_actor, consultation["_id"], REVISED_CLAUSES, "删去第三条", SCOPE
        )
        kept = [ClauseText(c["label"], c["text"], id=c["id"]) for c in second["clauses"]]
        restored = [*kept, ClauseText("第四条", consultation["clauses"][2]["text"], id="c3")]

        third = await service.revise(db, official_actor, consultation["_id"], restored, "恢复原第三条", SCOPE)

        assert [c["id"] for c in third["clauses"]] == ["c1", "c2", "c4", "c3"]
        assert third["version"] == 3
        assert await versions.version_diff(db, consultation["_id"], 1, 3) == [
            ClauseChange(
                "c2",
                "第二条",
                "住宅小区应当设置集中停放和充电场所。",
                "住宅小区应当设置集中停放和充电场所，并配备消防设施。",
                ChangeKind.CHANGED,
            ),
            ClauseChange("c4", "第三条", None, "物业服务企业应当劝阻违规停放行为。", ChangeKind.ADDED),
            ClauseChange(
                "c3",
                "第四条",
                consultation["clauses"][2]["text"],
                consultation["clauses"][2]["text"],
                ChangeKind.CHANGED,
            ),
        ]

    async def test_a_lost_copy_of_the_current_version_is_written_before_revising(self, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        await CONSULTATION_VERSIONS.of(db).delete_many({})  # as if a crash lost the copy

        await service.revise(db, official(city["housing"]), consultation["_id"], REVISED_CLAUSES, "改", SCOPE)

        stored = await CONSULTATION_VERSIONS.of(db).find({}).sort("number", 1).to_list()
        assert [(v["number"], v["clauses"]) for v in stored] == [
            (1, consultation["clauses"]),
            (2, (await CONSULTATIONS.of(db).find_one({}))["clauses"]),
        ]

    async def test_versions_outside_the_range_are_refused(self, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])

        with pytest.raises(InvalidInput, match="from 1 to 1") as refused:
            await versions.version_diff(db, consultation["_id"], 1, 2)
        assert refused.value.field == "to"

    async def test_a_withdrawn_consultation_cannot_be_revised(self, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        await service.withdraw(db, official(city["housing"]), consultation["_id"], "撤回", SCOPE)

        with pytest.raises(WrongStage, match="this one is WITHDRAWN"):
            await service.revise(
                db, official(city["housing"]), consultation["_id"], REVISED_CLAUSES, "改", SCOPE
            )
