"""The typed failures of consultation rules: a wrong stage, a stale draft edit, a closed edit window, an
incomplete report."""

from __future__ import annotations

from collections.abc import Iterable

from models.common.errors import Conflict
from models.consultations.documents import Stage


class WrongStage(Conflict):
    """The consultation is not in a stage that allows this; the message names the stage it is in."""

    code = "WRONG_STAGE"

    def __init__(self, stage: Stage | str, allowed: Iterable[Stage], action: str) -> None:
        current = Stage(stage)
        wanted = " or ".join(stage.value for stage in allowed)
        super().__init__(f"only a consultation that is {wanted} can be {action}; this one is {current.value}")
        self.stage = current


class StaleEdit(Conflict):
    """A draft edit was made on an older revision than the stored one; nothing was changed."""

    code = "STALE_EDIT"

    def __init__(self, current_revision: int) -> None:
        super().__init__(
            f"the draft was changed meanwhile and is now at revision {current_revision}; "
            "reload it and make the edit on that revision",
            field="revision",
        )
        self.current_revision = current_revision


class EditWindowClosed(Conflict):
    """The comment can no longer be edited: 15 minutes have passed, or an official has replied."""

    code = "EDIT_WINDOW_CLOSED"


class ReportIncomplete(Conflict):
    """Some published comments have no outcome, neither their own nor their theme's."""

    code = "REPORT_INCOMPLETE"

    def __init__(self, missing: dict[str, int]) -> None:
        total = sum(missing.values())
        places = ", ".join(f"{count} on {place}" for place, count in missing.items())
        noun = "comment has" if total == 1 else "comments have"
        super().__init__(f"{total} {noun} no outcome: {places}")
        self.missing = missing
