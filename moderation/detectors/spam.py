"""Signs of spam in one text: links to domains outside an allow-list, and runs of repeated characters.

Links are read in a folded form (NFKC, so "ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ" is "www.example.com", casefolded,
invisible characters dropped) and dots may be disguised ("example。com", "example点com",
"example[.]com", "example(dot)com"). Three shapes count: with a scheme ("https://host/..."), with
"www." in front, and bare ("example.com/x") when the last label is a common top-level domain, so
"e.g.", "3.5km", "第1.2条" or "report.pdf" are not links. An e-mail address is personal data, not a
link. A domain is allowed when it, or a domain it belongs to, is on the allow-list.

Repeats: one character eight times in a row ("啊啊啊啊啊啊啊啊", "!!!!!!!!"), or a unit of two to six
characters five times in a row ("加油加油加油加油加油", "哈 哈 哈 哈 哈 "). Digits never count
(amounts such as 100000000元), and line-drawing characters (…, —, -, _, =, ~) need sixteen, since
"…………" and "------" are ordinary punctuation. "谢谢谢谢" and "哈哈哈哈哈哈" stay below the thresholds.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

MIN_CHARACTER_RUN = 8
MIN_LINE_RUN = 16
MIN_UNIT_REPEATS = 5
UNIT_LENGTH = (2, 6)
LINE_CHARACTERS = frozenset("…—–-_=~·.。*＊")

# A starting point only, like the starter lexicon; admins keep the real list in the database.
# "gov.cn" covers every government site (the demo city's linchuan.gov.cn among them).
STARTER_ALLOWED_DOMAINS = ("gov.cn", "edu.cn", "people.com.cn", "news.cn", "xinhuanet.com", "cctv.com")

# Common top-level domains a bare "name.tld" must end in.
BARE_TLDS = (
    "com", "net", "org", "cn", "gov", "edu", "info", "biz", "top", "xyz", "vip", "cc", "tv", "io", "me",
    "co", "app", "site", "online", "club", "shop", "store", "wang", "ltd", "link", "live", "pro", "icu",
    "fun", "ink", "work", "tech", "asia", "hk", "tw", "mo", "jp", "kr", "us", "uk", "ru", "de", "fr",
    "au", "ca", "ws", "la", "so",
)  # fmt: skip

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# A plain or disguised dot between two labels of a domain.
_DOT = r"(?:\.|。|\s?(?:点|\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\})\s?)"
_TLD = "|".join(sorted(BARE_TLDS, key=len, reverse=True))  # longest first: "com" before "co"
_LINK = re.compile(
    rf"(?<![a-z0-9@.-])(?:"
    rf"(?:https?|hxxps?)\s?:\s?//\s?(?P<url>{_LABEL}(?:{_DOT}{_LABEL})*)"
    rf"|(?P<www>www(?:{_DOT}{_LABEL})+)"
    rf"|(?P<bare>(?:{_LABEL}{_DOT})+(?:{_TLD}))(?![a-z0-9-])"
    rf")"
)
_ANY_DOT = re.compile(_DOT)
# "3点com" is a time of day before a word far more often than a disguised "3.com".
_HOUR = re.compile(r"(?<![a-z0-9-])[0-9]+\s?点")
_DOMAIN = re.compile(rf"(?:{_LABEL}\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})")
MAX_DOMAIN_LENGTH = 253

_CHARACTER_RUN = re.compile(r"([^\d\s])\1+")
_UNIT_RUN = re.compile(
    rf"([^\d\s][^\d]{{{UNIT_LENGTH[0] - 1},{UNIT_LENGTH[1] - 1}}}?)\1{{{MIN_UNIT_REPEATS - 1},}}"
)


@dataclass(frozen=True, slots=True)
class Link:
    """A link found in a text: its domain as read (lower case, dots undisguised) and its span there."""

    domain: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Repeat:
    """A run of one unit (a character, or a few) repeated `count` times at ``text[start:end]``."""

    unit: str
    count: int
    start: int
    end: int


def normalise_domain(domain: str) -> str:
    """A domain as the allow-list keeps it: lower case, no scheme, "www." or trailing dot; raises
    ValueError when it is not a domain name ("gov.cn", "linchuan.gov.cn"; not "localhost", "http://")."""
    cleaned = unicodedata.normalize("NFKC", domain).strip().casefold()
    cleaned = re.sub(r"^[a-z]+://", "", cleaned).rstrip(".")
    if cleaned.startswith("www."):
        cleaned = cleaned[4:]
    if len(cleaned) > MAX_DOMAIN_LENGTH or not _DOMAIN.fullmatch(cleaned):
        raise ValueError(f"{domain!r} is not a domain name such as example.gov.cn")
    return cleaned


class AllowList:
    """Domains links may point to; each allows its subdomains ("gov.cn" allows "www.linchuan.gov.cn")."""

    def __init__(self, domains: Iterable[str]) -> None:
        self.domains = frozenset(normalise_domain(domain) for domain in domains)

    def allows(self, domain: str) -> bool:
        labels = domain.split(".")
        return any(".".join(labels[i:]) in self.domains for i in range(len(labels)))


class _Folding(dict[int, int | str | None]):
    """A str.translate table: each character NFKC- and case-folded, invisible ones dropped; computed
    once per character."""

    def __missing__(self, code: int) -> int | str | None:
        character = chr(code)
        value: int | str | None
        if unicodedata.category(character) == "Cf":
            value = None
        else:
            value = unicodedata.normalize("NFKC", character).casefold()
        self[code] = value
        return value


_FOLDING = _Folding()


def _origins(text: str) -> list[int]:
    """For each character of the folded text, the index in `text` it came from."""
    origins: list[int] = []
    for index, character in enumerate(text):
        origins.extend([index] * len(character.translate(_FOLDING)))
    return origins


def find_links(text: str) -> list[Link]:
    """Every link in `text`, in order."""
    folded = text.translate(_FOLDING)
    if not any(mark in folded for mark in (".", "。", "点", "dot", "//")):
        return []
    links: list[Link] = []
    origins: list[int] = []
    for match in _LINK.finditer(folded):
        origins = origins or _origins(text)  # only for texts with links: most have none
        host = match.group("url") or match.group("www") or match.group("bare")
        if match.group("bare") and _HOUR.search(host):
            continue
        domain = _ANY_DOT.sub(".", host)
        links.append(Link(domain, origins[match.start()], origins[match.end() - 1] + 1))
    return links


def disallowed_links(text: str, allowed: AllowList) -> list[Link]:
    """The links in `text` whose domain the allow-list does not cover."""
    return [link for link in find_links(text) if not allowed.allows(link.domain)]


def find_repeats(text: str) -> list[Repeat]:
    """Runs of one character, or of a short unit, repeated past the thresholds; in order, not overlapping."""
    repeats: list[Repeat] = []
    for match in _CHARACTER_RUN.finditer(text):
        character = match.group(1)
        needed = MIN_LINE_RUN if character in LINE_CHARACTERS else MIN_CHARACTER_RUN
        if match.end() - match.start() >= needed:
            repeats.append(Repeat(character, match.end() - match.start(), match.start(), match.end()))
    for match in _UNIT_RUN.finditer(text):
        unit = match.group(1)
        if len(set(unit)) == 1 or any(r.start <= match.start() < r.end for r in repeats):
            continue  # one character repeated: judged above by its own threshold
        length = match.end() - match.start()
        repeats.append(Repeat(unit, length // len(unit), match.start(), match.end()))
    repeats.sort(key=lambda repeat: repeat.start)
    return repeats
