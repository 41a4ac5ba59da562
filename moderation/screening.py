"""The one screening step every piece of user content passes before anyone else sees it."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from moderation.detectors.lexicon import Lexicon
from moderation.detectors.personal_data import find_personal_data

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


_LEXICON = Lexicon.starter()  # admin-edited lists replace the starter lists with the moderation queue


def screen_comment(text: str, *, premoderated: bool) -> Screening:
    """Screen public content (already normalised and length-checked by its domain), inline.

    Personal data (a phone or ID number, a bank card…) and lexicon hits hold the content for a
    moderator, with a reason per finding such as "personal_data:mobile" or "lexicon:spam"; a
    premoderated context holds everything. Clean content from an open context publishes at once.
    """
    reasons = [PREMODERATED] if premoderated else []
    reasons += sorted({f"personal_data:{finding.kind}" for finding in find_personal_data(text)})
    reasons += sorted({f"lexicon:{hit.category}" for hit in _LEXICON.find(text)})
    return Screening(status=PENDING if reasons else PUBLISHED, reasons=reasons)
