"""Word lists by category (abuse, threats, spam, advertising) found in text despite common evasions.

Text and words are compared in a folded form: NFKC (full-width "ＶＸ" is "VX"), casefolded, traditional
characters as simplified (OpenCC's character table), and only letters and digits kept, so "加 微 信",
"加.微.信" and "加\u200b微信" all read "加微信". Matching is Aho-Corasick (pyahocorasick) over that form;
every folded character remembers the original character it came from, so hits carry spans in the text
as written. Dropping separators could join ordinary words into a hit, so a match is kept only if:

- no more than ``MAX_GAP`` visible separators (spaces, punctuation, symbols, line breaks) stand between
  any two of its consecutive letters — invisible characters (zero-width, joiners, variation selectors)
  do not count, so "要加！！！\n\n微信群" is not "加微信";
- in scripts written with spaces (Latin, Cyrillic, ...), separators between two letters appear either
  only where the listed word has them ("kill you") or between every pair of letters ("w e c h a t"),
  so "we chat" is not "wechat";
- such a word does not run on into a longer word ("idiot" is not found in "idiotic").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import ahocorasick
import opencc

ABUSE = "abuse"
THREATS = "threats"
SPAM = "spam"
ADVERTISING = "advertising"
CATEGORIES = (ABUSE, THREATS, SPAM, ADVERTISING)

MIN_WORD_LENGTH = 2  # in folded letters: one character would flag half of all comments
MAX_GAP = 2  # visible separators allowed between two consecutive letters of a match

# A starting point only; admins keep the real lists in the database.
STARTER_ENTRIES: Mapping[str, tuple[str, ...]] = {
    ABUSE: ("傻逼", "煞笔", "脑残", "滚蛋", "idiot", "moron"),
    THREATS: ("去死", "弄死你", "杀了你", "砍死你", "kill you", "i know where you live"),
    SPAM: ("刷单", "日赚千元", "免费领取", "click here", "earn money fast"),
    ADVERTISING: ("加微信", "加vx", "加qq", "代开发票", "add me on wechat"),
}

# Letters that Unicode marks as default-ignorable: they render as nothing, like zero-width spaces.
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
_INVISIBLE_CATEGORIES = frozenset(("Cf", "Mn", "Me"))
_FIRST_UNSPACED_CODE_POINT = 0x2E80  # CJK radicals onwards: kana, hanzi, full-width forms

_to_simplified = opencc.OpenCC("t2s")


@dataclass(frozen=True, slots=True)
class LexiconHit:
    """A listed word found in a text: ``text[start:end]`` is how it was written there."""

    category: str
    word: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Entry:
    category: str
    word: str
    breaks: frozenset[int]  # folded positions the listed word itself has a separator before


@dataclass(frozen=True, slots=True)
class _Key:
    length: int
    spaced_joints: tuple[int, ...]  # positions between two letters of a spaced script
    entries: tuple[_Entry, ...]


@dataclass(frozen=True, slots=True)
class _Folded:
    letters: str
    origins: list[int]  # index in the original text of each folded letter
    gaps: list[int]  # visible separators between each folded letter and the one before it


def _is_spaced_letter(letter: str) -> bool:
    return letter.isalpha() and ord(letter) < _FIRST_UNSPACED_CODE_POINT


def _simplified(letter: str) -> str:
    if ord(letter) < _FIRST_UNSPACED_CODE_POINT:
        return letter
    # The table lists a few characters with several readings ("乾" -> "干 乾"): the first one is used.
    converted = _to_simplified.convert(letter).split(" ")[0]
    return converted if len(converted) == 1 else letter


@lru_cache(maxsize=1 << 16)
def _fold_character(character: str) -> tuple[str, bool]:
    """The letters and digits a character reads as (none for a separator), and whether it is invisible."""
    if character in _INVISIBLE_LETTERS:
        return "", True
    read = "".join(
        _simplified(letter)
        for letter in unicodedata.normalize("NFKC", character).casefold()
        if unicodedata.category(letter)[0] in "LN"
    )
    return read, not read and unicodedata.category(character) in _INVISIBLE_CATEGORIES


def folded(text: str) -> str:
    """`text` in the form words are compared in: its letters and digits only, NFKC, casefolded,
    simplified ("交 通 局", "交通局" and "交通局" in traditional characters all read alike)."""
    return _fold(text).letters


def _fold(text: str) -> _Folded:
    letters: list[str] = []
    origins: list[int] = []
    gaps: list[int] = []
    gap = 0
    for index, character in enumerate(text):
        read, invisible = _fold_character(character)
        for letter in read:
            letters.append(letter)
            origins.append(index)
            gaps.append(gap)
            gap = 0
        if not read and not invisible:
            gap += 1
    return _Folded("".join(letters), origins, gaps)


class Lexicon:
    """Listed words by category, ready to be found in any number of texts."""

    def __init__(self, automaton: Any | None) -> None:
        self._automaton = automaton  # None when no word is listed: an empty automaton cannot search

    @classmethod
    def build(cls, entries: Mapping[str, Iterable[str]]) -> Lexicon:
        """Build from words by category; raises ValueError for an unknown category or for a word with
        fewer than ``MIN_WORD_LENGTH`` letters or digits once folded."""
        by_key: dict[str, list[_Entry]] = {}
        for category, words in entries.items():
            if category not in CATEGORIES:
                raise ValueError(f"unknown lexicon category {category!r}; expected one of {CATEGORIES}")
            if isinstance(words, str):
                raise ValueError(f"words for {category!r} must be a collection of words, not one string")
            for word in words:
                folded = _fold(word)
                if len(folded.letters) < MIN_WORD_LENGTH:
                    raise ValueError(
                        f"lexicon word {word!r} in {category!r} has fewer than {MIN_WORD_LENGTH} letters"
                    )
                breaks = frozenset(i for i, gap in enumerate(folded.gaps) if i > 0 and gap > 0)
                entry = _Entry(category, word.strip(), breaks)
                listed = by_key.setdefault(folded.letters, [])
                if entry not in listed:
                    listed.append(entry)
        if not by_key:
            return cls(None)
        automaton = ahocorasick.Automaton()
        for key, listed in by_key.items():
            joints = tuple(
                i for i in range(1, len(key)) if _is_spaced_letter(key[i - 1]) and _is_spaced_letter(key[i])
            )
            automaton.add_word(key, _Key(len(key), joints, tuple(listed)))
        automaton.make_automaton()
        return cls(automaton)

    @classmethod
    def starter(cls) -> Lexicon:
        """The built-in starter lists, for a deployment whose admins have not written their own yet."""
        return cls.build(STARTER_ENTRIES)

    def find(self, text: str) -> list[LexiconHit]:
        """Every listed word in ``text``, overlapping ones included, ordered by position."""
        if self._automaton is None:
            return []
        folded = _fold(text)
        hits: list[LexiconHit] = []
        for last, key in self._automaton.iter(folded.letters):
            first = last - key.length + 1
            if any(folded.gaps[i] > MAX_GAP for i in range(first + 1, last + 1)):
                continue
            if _runs_into_a_word(folded, first, last):
                continue
            separated = frozenset(i for i in key.spaced_joints if folded.gaps[first + i] > 0)
            start, end = folded.origins[first], folded.origins[last] + 1
            hits.extend(
                LexiconHit(entry.category, entry.word, start, end)
                for entry in key.entries
                if separated <= entry.breaks or len(separated) == len(key.spaced_joints)
            )
        hits.sort(key=lambda hit: (hit.start, hit.end, hit.category, hit.word))
        return hits


def _runs_into_a_word(folded: _Folded, first: int, last: int) -> bool:
    letters, gaps = folded.letters, folded.gaps
    before = (
        first > 0
        and gaps[first] == 0
        and _is_spaced_letter(letters[first - 1])
        and _is_spaced_letter(letters[first])
    )
    after = (
        last + 1 < len(letters)
        and gaps[last + 1] == 0
        and _is_spaced_letter(letters[last])
        and _is_spaced_letter(letters[last + 1])
    )
    return before or after
