"""Public names that would pass for staff or for the service: a department's name, a role word, or
exactly a staff member's own public name. Compared in the lexicon's folded form, so spaces,
full-width letters and traditional characters do not slip past."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from moderation.detectors.lexicon import folded

DEPARTMENT = "department"
ROLE_WORD = "role_word"
STAFF_NAME = "staff_name"

# Written without spaces, so found anywhere in the folded name ("系统管理员", "官方 客服").
CHINESE_ROLE_WORDS = ("管理员", "系统", "官方", "客服", "版主", "站长", "工作人员")
# Whole words only: "admin" is in "badminton".
LATIN_ROLE_WORDS = frozenset(
    ("admin", "administrator", "moderator", "official", "staff", "system", "sysadmin")
)
# How department names end in Chinese; "交通运输局" is also called "交通局".
_BODY_SUFFIXES = "局委办厅院处署"
_PLACE_PREFIXES = "省市区县"
_MIN_FORM_LENGTH = 3  # shorter forms ("公安") are ordinary words


@dataclass(frozen=True)
class Lookalike:
    """Why a name passes for staff: `kind` (DEPARTMENT, ROLE_WORD, STAFF_NAME) and what it imitates."""

    kind: str
    word: str


def department_forms(name_zh: str) -> set[str]:
    """A department's Chinese name as people write it: in full, without the leading "市"/"区"…,
    and shortened to its first two characters and its suffix ("市交通运输局" → "交通局")."""
    full = folded(name_zh)
    core = full[1:] if full[:1] in _PLACE_PREFIXES and len(full) > _MIN_FORM_LENGTH else full
    forms = {full, core}
    if len(core) > _MIN_FORM_LENGTH and core[-1] in _BODY_SUFFIXES:
        forms.add(core[:2] + core[-1])
    return {form for form in forms if len(form) >= _MIN_FORM_LENGTH}


def _latin_words(name: str) -> list[str]:
    return re.findall(r"[a-z]+", unicodedata.normalize("NFKC", name).casefold())


def staff_lookalike(
    name: str, *, departments: Iterable[tuple[str, str | None]], staff_names: Iterable[str]
) -> Lookalike | None:
    """What `name` imitates, if anything. `departments` are (Chinese name, English name) pairs."""
    letters = folded(name)
    if not letters:
        return None
    words = _latin_words(name)
    if any(letters == folded(staff) for staff in staff_names):
        return Lookalike(STAFF_NAME, name)
    for name_zh, name_en in departments:
        for form in sorted(department_forms(name_zh), key=len, reverse=True):
            if form in letters:
                return Lookalike(DEPARTMENT, name_zh)
        english = " ".join(_latin_words(name_en or ""))
        if len(english) >= _MIN_FORM_LENGTH and f" {english} " in f" {' '.join(words)} ":
            return Lookalike(DEPARTMENT, name_en or name_zh)
    for word in CHINESE_ROLE_WORDS:
        if word in letters:
            return Lookalike(ROLE_WORD, word)
    for word in words:
        if word in LATIN_ROLE_WORDS:
            return Lookalike(ROLE_WORD, word)
    return None
