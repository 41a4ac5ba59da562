"""The one screening step every piece of user content passes before anyone else sees it."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

# Statuses as plain strings so moderation/ depends on no domain; they match the domains' enums
# (models.consultations.documents.CommentStatus).
PENDING = "PENDING"
PUBLISHED = "PUBLISHED"

PREMODERATED = "premoderated"


@dataclass(frozen=True)
class Screening:
    """What screening decided: the status to store, and the reasons (empty when nothing was found)."""

    status: str
    reasons: list[str] = field(default_factory=list)


def normalise_text(text: str) -> str:
    """Text as it is stored and measured: NFC (so "é" typed two ways is one text), no control
    characters but line breaks and tabs, Windows line ends folded, the ends trimmed."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    kept = (ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    return "".join(kept).strip()


def screen_comment(text: str, *, premoderated: bool) -> Screening:
    """Screen a comment (already normalised and length-checked by its domain).

    For now only the consultation's own rule decides: a premoderated consultation holds every
    comment for a moderator. The moderation pipeline (personal data, lexicon, spam,
    near-duplicates) adds its checks here, so every domain gets them at once.
    """
    if premoderated:
        return Screening(status=PENDING, reasons=[PREMODERATED])
    return Screening(status=PUBLISHED)
