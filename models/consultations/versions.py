"""The versions of a consultation's text, kept so citizens can see what changed clause by clause.

The consultation document holds the current text and is written first; the version document
is a copy written after it. So a crash between the two can only leave the current version's
copy missing, and `keep_current_version` (run before every revision) writes it from the
consultation itself, which is never stale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Sequence

from bson import ObjectId

from models.common.db import Database, Document
from models.common.errors import InvalidInput
from models.common.repository import find_grouped_by
from models.consultations.clauses import ClauseChange, diff_clauses
from models.consultations.documents import (
    CONSULTATION_VERSIONS,
    ConsultationDocument,
    ConsultationVersionDocument,
)
from models.consultations.repository import get_consultation


def _version_document(
    consultation: ConsultationDocument, note: str, by: ObjectId | None, at: dt.datetime
) -> ConsultationVersionDocument:
    return CONSULTATION_VERSIONS.new_document(
        {
            "consultation_id": consultation["_id"],
            "number": consultation["version"],
            "clauses": consultation["clauses"],
            "revision": consultation["revision"],
            "note": note,
            "created_by": by,
            "created_at": at,
        }
    )


async def keep_current_version(
    db: Database,
    consultation: ConsultationDocument,
    *,
    note: str = "",
    by: ObjectId | None = None,
    at: dt.datetime,
) -> None:
    """Store the consultation's current text as its version, unless that version is stored already."""
    # update_one rather than find_one_and_update: nx-27017 drops $setOnInsert in the latter.
    await CONSULTATION_VERSIONS.of(db).update_one(
        {"consultation_id": consultation["_id"], "number": consultation["version"]},
        {"$setOnInsert": _version_document(consultation, note, by, at)},
        upsert=True,
    )


async def sync_draft_version(db: Database, consultation: ConsultationDocument) -> None:
    """Bring version 1 up to a draft edit; an older edit finishing late cannot undo a newer one."""
    await CONSULTATION_VERSIONS.of(db).update_one(
        {
            "consultation_id": consultation["_id"],
            "number": 1,
            "revision": {"$lt": consultation["revision"]},
        },
        {"$set": {"clauses": consultation["clauses"], "revision": consultation["revision"]}},
    )


async def settle_first_version(db: Database, consultation: ConsultationDocument, at: dt.datetime) -> None:
    """At publication: version 1 is exactly the text published (writing it if a crash lost it)."""
    await keep_current_version(db, consultation, by=consultation.get("created_by"), at=at)
    await sync_draft_version(db, consultation)


async def clauses_of_version(
    db: Database, consultation: ConsultationDocument, number: int, field: str
) -> list[Document]:
    if not 1 <= number <= consultation["version"]:
        raise InvalidInput(
            f"versions of this consultation run from 1 to {consultation['version']}", field=field
        )
    if number == consultation["version"]:
        return list(consultation["clauses"])
    stored = await CONSULTATION_VERSIONS.of(db).find_one(
        {"consultation_id": consultation["_id"], "number": number}
    )
    if stored is None:
        # Only the current version's copy can be missing (see the module docstring).
        raise InvalidInput(f"version {number} is not stored", field=field)
    return list(stored["clauses"])


async def diff_versions(
    db: Database, consultation: ConsultationDocument, from_version: int, to_version: int
) -> list[ClauseChange]:
    """What changed, clause by clause, from one version of the text to another."""
    return diff_clauses(
        await clauses_of_version(db, consultation, from_version, "from"),
        await clauses_of_version(db, consultation, to_version, "to"),
    )


async def version_diff(
    db: Database, consultation_id: ObjectId, from_version: int, to_version: int
) -> list[ClauseChange]:
    return await diff_versions(db, await get_consultation(db, consultation_id), from_version, to_version)


async def versions_by_consultation(
    db: Database, ids: Sequence[ObjectId]
) -> dict[Hashable, list[ConsultationVersionDocument]]:
    """The stored versions of each consultation, oldest first (one query, for a DataLoader)."""
    return await find_grouped_by(CONSULTATION_VERSIONS.of(db), "consultation_id", ids, sort=(("number", 1),))
