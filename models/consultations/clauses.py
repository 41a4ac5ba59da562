"""A draft's text as ordered clauses with stable ids: validation, id assignment and clause-by-clause diffs."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from models.common.db import Document
from models.common.errors import InvalidInput

MAX_CLAUSES = 300
MAX_LABEL_LENGTH = 60
MAX_CLAUSE_TEXT_LENGTH = 5000
CLAUSE_ID = re.compile(r"^c([1-9][0-9]{0,5})$")


@dataclass(frozen=True)
class ClauseText:
    """A clause as an official writes it; `id` names an existing clause to keep its id (and comments)."""

    label: str
    text: str
    id: str | None = None


class ChangeKind(StrEnum):
    ADDED = "ADDED"
    REMOVED = "REMOVED"
    CHANGED = "CHANGED"


@dataclass(frozen=True)
class ClauseChange:
    """One clause's difference between two versions; `before`/`after` are None where it is absent."""

    clause_id: str
    label: str
    before: str | None
    after: str | None
    kind: ChangeKind


def clause_number(clause_id: str) -> int | None:
    match = CLAUSE_ID.fullmatch(clause_id)
    return int(match.group(1)) if match else None


def _clean(value: str, field: str, limit: int, what: str) -> str:
    # Clause text keeps its line breaks (paragraphs, lists); only the ends are trimmed.
    cleaned = value.strip()
    if not cleaned:
        raise InvalidInput(f"every clause needs {what}", field=field)
    if len(cleaned) > limit:
        raise InvalidInput(f"a clause's {what} can be at most {limit} characters", field=field)
    return cleaned


def build_clauses(given: Sequence[ClauseText], last_number: int) -> tuple[list[Document], int]:
    """The stored clauses for `given`, and the last clause number now used.

    A clause passing an id keeps it: any id this consultation ever assigned (c1 … c<last_number>),
    so a clause removed in one version can come back with its comments. Clauses without an id get
    the next numbers; numbers are never reused, so an old comment never points at a new clause.
    """
    if not given:
        raise InvalidInput("a draft needs at least one clause", field="clauses")
    if len(given) > MAX_CLAUSES:
        raise InvalidInput(f"a draft can have at most {MAX_CLAUSES} clauses", field="clauses")
    seen: set[str] = set()
    clauses: list[Document] = []
    for clause in given:
        label = _clean(clause.label, "clauses.label", MAX_LABEL_LENGTH, "a label")
        text = _clean(clause.text, "clauses.text", MAX_CLAUSE_TEXT_LENGTH, "a text")
        if clause.id is None:
            last_number += 1
            clause_id = f"c{last_number}"
        else:
            number = clause_number(clause.id)
            if number is None or number > last_number:
                raise InvalidInput(f"this draft has no clause {clause.id!r}", field="clauses.id")
            clause_id = clause.id
        if clause_id in seen:
            raise InvalidInput(f"clause {clause_id!r} is given twice", field="clauses.id")
        seen.add(clause_id)
        clauses.append({"id": clause_id, "label": label, "text": text})
    return clauses, last_number


def changed_clause_ids(before: Sequence[Document], after: Sequence[Document]) -> list[str]:
    """Ids of clauses of `before` whose text changed or which are gone, in `before`'s order.

    A new label or a new place alone is not a change of substance: nobody is told about it.
    """
    after_text = {clause["id"]: clause["text"] for clause in after}
    return [clause["id"] for clause in before if after_text.get(clause["id"]) != clause["text"]]


def diff_clauses(before: Sequence[Document], after: Sequence[Document]) -> list[ClauseChange]:
    """Clause-by-clause changes from `before` to `after`: in `after`'s order, removed ones last."""
    old = {clause["id"]: clause for clause in before}
    new_ids = {clause["id"] for clause in after}
    changes: list[ClauseChange] = []
    for clause in after:
        previous = old.get(clause["id"])
        if previous is None:
            changes.append(
                ClauseChange(clause["id"], clause["label"], None, clause["text"], ChangeKind.ADDED)
            )
        elif previous["text"] != clause["text"] or previous["label"] != clause["label"]:
            changes.append(
                ClauseChange(
                    clause["id"], clause["label"], previous["text"], clause["text"], ChangeKind.CHANGED
                )
            )
    changes.extend(
        ClauseChange(clause["id"], clause["label"], clause["text"], None, ChangeKind.REMOVED)
        for clause in before
        if clause["id"] not in new_ids
    )
    return changes
