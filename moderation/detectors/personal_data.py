"""Personal data in Chinese user text (phones, ID and bank card numbers, e-mail, plates) and its redaction."""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal

from moderation.redaction import REDACTION_MARK, redact_spans

Kind = Literal["mobile", "landline", "id_card", "bank_card", "email", "plate"]


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its kind, its span in the original text and the text it covers."""

    kind: Kind
    start: int
    end: int
    value: str


class _Folding(dict[int, int | str]):
    """A str.translate table folding each character to its NFKC form (full-width digits, letters,
    ＠, －, the ideographic space), computed once per character. A character whose NFKC form is
    longer than one character is kept, so every position in the folded copy is the same as in the
    original and spans need no mapping back."""

    def __missing__(self, code: int) -> int | str:
        folded = unicodedata.normalize("NFKC", chr(code))
        value: int | str = folded if len(folded) == 1 else code
        self[code] = value
        return value


_FOLDING = _Folding()

# Every number pattern refuses a digit on either side: a match is never a slice of a longer run.
_MOBILE = re.compile(
    r"(?<![0-9])(?:(?:\(\+?86\)|\+86|0086|86)[ -]?)?"
    r"1[3-9][0-9](?P<sep>[ -]?)[0-9]{4}(?P=sep)[0-9]{4}(?![0-9])"
)
# 3-digit area codes are 010 and 02x, all others have 4 digits; local numbers start with 2-9.
_LANDLINE = re.compile(
    r"(?<![0-9])(?:\((?:010|02[0-9]|0[3-9][0-9]{2})\)|(?:010|02[0-9]|0[3-9][0-9]{2}))[ -]?"
    r"[2-9][0-9]{6,7}(?:(?:-|转|#|ext\.? ?)[0-9]{1,6})?(?![0-9])",
    re.IGNORECASE,
)
# 6-8-4: region, birth date, sequence and check character; written whole or with one separator.
_ID_CARD = re.compile(r"(?<![0-9])[1-9][0-9]{5}(?P<sep>[ -]?)[0-9]{8}(?P=sep)[0-9]{3}[0-9Xx](?![0-9])")
# Card numbers start 3-6 (Amex, Visa, Mastercard, UnionPay 62...) or 9 (older domestic debit cards);
# written whole or in groups of four, a 17-19 digit number with a short last group.
_BANK_CARD = re.compile(
    r"(?<![0-9])[3-69][0-9]{3}(?P<sep>[ -]?)[0-9]{4}(?P=sep)[0-9]{4}(?P=sep)[0-9]{4}"
    r"(?P<tail>(?P=sep)[0-9]{1,3})?(?![0-9])"
)
# Starts only where a run of address characters starts, so a long run without "@" costs one pass.
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}")
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(rf"[{_PROVINCES}][A-Z][·・ ]?([A-Z0-9]{{5,6}})(?![A-Z0-9])", re.IGNORECASE)
_ANY_DIGIT_OR_AT = re.compile(r"[0-9@]")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# Earlier in this list wins when two kinds cover the same span (a valid ID number can pass Luhn).
_PRIORITY: dict[Kind, int] = {
    "email": 0,
    "id_card": 1,
    "bank_card": 2,
    "mobile": 3,
    "landline": 4,
    "plate": 5,
}


def is_valid_id_number(number: str) -> bool:
    """An 18-character resident ID number (GB 11643): a real birth date and the right check character."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if not 1900 <= born.year <= 2100:
        return False
    total = sum(int(digit) * weight for digit, weight in zip(number, _ID_WEIGHTS, strict=False))
    return _ID_CHECK[total % 11] == number[17].upper()


def passes_luhn(number: str) -> bool:
    """The Luhn checksum of a digit string, as card numbers carry it."""
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def _plausible_plate(serial: str) -> bool:
    """Plate serials hold at most two letters (new-energy ones carry D/F first or last), so
    "新Windows" or "新iPhone12" are not plates."""
    serial = serial.upper()
    digits = sum(char.isdigit() for char in serial)
    if len(serial) == 5:
        return digits >= 3
    return (serial[0] in "DF" or serial[-1] in "DF") and digits >= 4


def _candidates(folded: str) -> list[tuple[Kind, int, int]]:
    found: list[tuple[Kind, int, int]] = []
    if "@" in folded:
        found += [("email", m.start(), m.end()) for m in _EMAIL.finditer(folded)]
    found += [("mobile", m.start(), m.end()) for m in _MOBILE.finditer(folded)]
    found += [("landline", m.start(), m.end()) for m in _LANDLINE.finditer(folded)]
    found += [
        ("id_card", m.start(), m.end())
        for m in _ID_CARD.finditer(folded)
        if is_valid_id_number(re.sub(r"[ -]", "", m.group()))
    ]
    for m in _BANK_CARD.finditer(folded):
        digits = re.sub(r"[ -]", "", m.group())
        if passes_luhn(digits) and not is_valid_id_number(digits):
            found.append(("bank_card", m.start(), m.end()))
        elif m.group("tail") and m.group("sep") and passes_luhn(digits[:16]):
            # "4111 1111 1111 1111 12月": the short group may be the next number, not the card's end.
            found.append(("bank_card", m.start(), m.start("tail")))
    found += [("plate", m.start(), m.end()) for m in _PLATE.finditer(folded) if _plausible_plate(m.group(1))]
    return found


def find_personal_data(text: str) -> list[Finding]:
    """Personal data in `text`, in order, never overlapping; spans and values refer to `text` itself.

    Full-width forms are found as their ASCII twins. Where two findings overlap, the one starting
    first wins, then the longer one ("13812345678@163.com" is an e-mail, not a mobile number).
    """
    folded = text if text.isascii() else text.translate(_FOLDING)
    if not _ANY_DIGIT_OR_AT.search(folded):
        return []
    candidates = sorted(_candidates(folded), key=lambda c: (c[1], c[1] - c[2], _PRIORITY[c[0]]))
    findings: list[Finding] = []
    covered_until = 0
    for kind, start, end in candidates:
        if start >= covered_until:
            findings.append(Finding(kind=kind, start=start, end=end, value=text[start:end]))
            covered_until = end
    return findings


def redact(text: str, findings: list[Finding], mark: str = REDACTION_MARK) -> str:
    """`text` with each finding's span replaced by `mark`; the findings must not overlap."""
    ordered = sorted(findings, key=lambda f: f.start)
    for before, after in itertools.pairwise(ordered):
        if after.start < before.end:
            raise ValueError(f"overlapping findings at {after.start}-{after.end}")
    return redact_spans(text, [(finding.start, finding.end) for finding in ordered], mark)
