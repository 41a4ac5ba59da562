"""The one screening step every piece of user content passes before anyone else sees it."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from moderation.detectors.lexicon import Lexicon
from moderation.detectors.personal_data import find_personal_data
from moderation.detectors.spam import STARTER_ALLOWED_DOMAINS, AllowList, disallowed_links, find_repeats

# Statuses as plain strings so moderation/ depends on no domain; they match the domains' enums
# (models.consultations.documents.CommentStatus).
PENDING = "PENDING"
PUBLISHED = "PUBLISHED"

PREMODERATED = "premoderated"
LINK = "spam:link"
REPEATED_CHARACTERS = "spam:repeated_chars"
REPEATED_TEXT = "spam:repeated_text"
RATE = "flood:rate"


# How strongly each finding suggests a moderator will not publish the content, combined into a
# score as independent evidence: 1 - (1 - w1)(1 - w2)... "premoderated" says nothing about the text.
WEIGHTS: dict[str, float] = {
    "lexicon:threats": 0.9,
    "lexicon:abuse": 0.7,
    "lexicon:spam": 0.6,
    "lexicon:advertising": 0.6,
    "spam:repeated_text": 0.6,
    "personal_data": 0.5,
    "spam:link": 0.5,
    "flood:rate": 0.5,
    "spam:repeated_chars": 0.3,
}
DEFAULT_WEIGHT = 0.5


@dataclass(frozen=True)
class Screening:
    """What screening decided: the status to store, the reasons (empty when nothing was found), and a
    score from 0 (nothing found) towards 1 (strong signs the content breaks the rules)."""

    status: str
    reasons: list[str] = field(default_factory=list)
    score: float = 0.0


@dataclass(frozen=True)
class ScreeningRules:
    """What the checks of the text itself use: the lexicon, and the domains links may point to."""

    lexicon: Lexicon
    allowed_domains: AllowList


STARTER_RULES = ScreeningRules(Lexicon.starter(), AllowList(STARTER_ALLOWED_DOMAINS))


def normalise_text(text: str) -> str:
    """Text as it is stored and measured: NFC (so "é" typed two ways is one text), no control
    characters but line breaks and tabs, Windows line ends folded, the ends trimmed."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    kept = (ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    return "".join(kept).strip()


def weight(reason: str) -> float:
    """The weight of one finding ("personal_data:mobile" weighs as "personal_data")."""
    if reason == PREMODERATED:
        return 0.0
    return WEIGHTS.get(reason, WEIGHTS.get(reason.partition(":")[0], DEFAULT_WEIGHT))


def text_findings(text: str, *, public: bool = True, rules: ScreeningRules = STARTER_RULES) -> list[str]:
    """What the text itself shows, in screening order: personal data (only in public content: a
    request addressed privately to a department may carry the sender's phone number), lexicon hits,
    then links to domains off the allow-list and runs of repeated characters."""
    findings: list[str] = []
    if public:
        findings += sorted({f"personal_data:{finding.kind}" for finding in find_personal_data(text)})
    findings += sorted({f"lexicon:{hit.category}" for hit in rules.lexicon.find(text)})
    if disallowed_links(text, rules.allowed_domains):
        findings.append(LINK)
    if find_repeats(text):
        findings.append(REPEATED_CHARACTERS)
    return findings


def screening_of(findings: Sequence[str], *, premoderated: bool) -> Screening:
    """The one place findings become a decision: any finding, or a premoderated context, holds the
    content for a moderator; clean content from an open context publishes at once."""
    reasons = [PREMODERATED] if premoderated else []
    reasons += list(dict.fromkeys(findings))
    unlikely = 1.0
    for reason in reasons:
        unlikely *= 1.0 - weight(reason)
    return Screening(
        status=PENDING if reasons else PUBLISHED, reasons=reasons, score=round(1.0 - unlikely, 3)
    )
