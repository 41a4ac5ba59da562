"""The stages of a consultation: the one a citizen lives, and the guarded write of a step between them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from bson import ObjectId
from pymongo import ReturnDocument

from models.common.db import Database, Document
from models.common.errors import Conflict
from models.consultations.documents import CONSULTATIONS, ConsultationDocument, Stage
from models.consultations.errors import WrongStage
from models.consultations.repository import get_consultation


def effective_stage(consultation: ConsultationDocument, now: dt.datetime) -> Stage:
    """The stage as citizens live it: an OPEN consultation past its closing time is CLOSED, even in
    the moments before the `close_due` sweep records it."""
    stage = Stage(consultation["stage"])
    if stage is Stage.OPEN and consultation["closes_at"] <= now:
        return Stage.CLOSED
    return stage


def accepts_comments(consultation: ConsultationDocument, now: dt.datetime) -> bool:
    return effective_stage(consultation, now) is Stage.OPEN


def require_stage(stage: Stage, allowed: Collection[Stage], action: str) -> None:
    if stage not in allowed:
        raise WrongStage(stage, allowed, action)


async def transition(
    db: Database,
    consultation_id: ObjectId,
    allowed: Collection[Stage],
    action: str,
    update: Document,
    guard: Document | None = None,
) -> ConsultationDocument:
    """Apply `update` if the consultation is still in an `allowed` stage (and matches `guard`).

    The stage is part of the filter, so two officials racing (one closing, one revising) cannot
    both succeed; the loser is told the stage the winner left.
    """
    stages = [stage.value for stage in allowed]
    updated = await CONSULTATIONS.of(db).find_one_and_update(
        {
            "_id": consultation_id,
            "stage": stages[0] if len(stages) == 1 else {"$in": stages},
            **(guard or {}),
        },
        update,
        return_document=ReturnDocument.AFTER,
    )
    if updated is not None:
        return updated
    current = await get_consultation(db, consultation_id)
    require_stage(Stage(current["stage"]), allowed, action)
    raise Conflict("the consultation changed meanwhile; reload it and try again")
