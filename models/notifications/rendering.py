"""Notification text per reader: templates from `templates/<locale>.json`, with locale fallback.

A template file holds `templates` ({key: {title, body}}) and `labels` ({table: {code: text}}).
Placeholders: `{name}` is the param `name` (or `name.<language>`, e.g. `department.en`, when the
params carry a translation); `{name@table}` looks the param up in a label table of the locale
(an outcome code becomes "已采纳" / "adopted"), else shows it as given; `{{` and `}}` are braces.
A title or body may be {"one": …, "other": …}, chosen by the `count` param. Params are only
ever inserted, never interpreted, so a hostile consultation title cannot reach into anything.

Fallback: the exact locale, then shorter forms of it ("zh-Hans-CN" → "zh-Hans" → "zh"), then
zh-CN; a key or label missing in one locale is looked for in the next. A missing param leaves a
visible `{name}` and is logged, so a mistake shows in the inbox instead of failing a fan-out.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("townhall.notifications")

DEFAULT_LOCALE = "zh-CN"
GENERIC_TEMPLATE = "notification.generic"  # shown when a key is unknown in every locale
TEMPLATE_DIR = Path(__file__).with_name("templates")

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)(?:@([A-Za-z_][A-Za-z0-9_]*))?\}")


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    locale: str  # the locale the template came from


def normalize_locale(value: str | None) -> str | None:
    """A BCP 47-ish tag in canonical case ("zh_hans_cn" → "zh-Hans-CN"); None if it is not one."""
    if not value:
        return None
    parts = re.split(r"[-_]", value.strip())
    if not 1 <= len(parts) <= 3 or not re.fullmatch(r"[A-Za-z]{2,3}", parts[0]):
        return None
    canonical = [parts[0].lower()]
    for index, part in enumerate(parts[1:], start=1):
        if re.fullmatch(r"[A-Za-z]{4}", part) and index == 1:
            canonical.append(part.title())
        elif re.fullmatch(r"[A-Za-z]{2}|[0-9]{3}", part):
            canonical.append(part.upper())
        else:
            return None
    return "-".join(canonical)


@dataclass(frozen=True)
class TemplateBook:
    """The template files of one directory, by locale."""

    locales: Mapping[str, Mapping[str, Any]]

    @classmethod
    def load(cls, directory: Path) -> TemplateBook:
        locales = {}
        for path in sorted(directory.glob("*.json")):
            content = json.loads(path.read_text(encoding="utf-8"))
            locales[path.stem] = content
        if DEFAULT_LOCALE not in locales:
            raise ValueError(f"{directory} has no {DEFAULT_LOCALE}.json, the last fallback")
        return cls(locales=locales)

    def chain(self, locale: str | None) -> list[str]:
        """The locales to try, in order, among those there are files for."""
        candidates = []
        normalized = normalize_locale(locale)
        if normalized:
            parts = normalized.split("-")
            candidates = ["-".join(parts[:length]) for length in range(len(parts), 0, -1)]
        candidates.append(DEFAULT_LOCALE)
        return [name for name in dict.fromkeys(candidates) if name in self.locales]

    def _template(self, key: str, chain: list[str]) -> tuple[Mapping[str, Any], str] | None:
        for name in chain:
            template = self.locales[name].get("templates", {}).get(key)
            if template:
                return template, name
        return None

    def _label(self, table: str, code: str, chain: list[str]) -> str:
        for name in chain:
            label = self.locales[name].get("labels", {}).get(table, {}).get(code)
            if label is not None:
                return str(label)
        return code

    def render(self, template: str, params: Mapping[str, str], locale: str | None) -> Rendered:
        chain = self.chain(locale)
        found = self._template(template, chain)
        if found is None:
            log.error("no notification template %r in any locale", template)
            found = self._template(GENERIC_TEMPLATE, chain)
            if found is None:
                return Rendered(title=template, body="", locale=DEFAULT_LOCALE)
        texts, source = found
        language = source.split("-")[0]
        # Labels and translated params follow the locale the template came from, so one text
        # never mixes languages.
        text_chain = self.chain(source)

        def fill(field: str) -> str:
            text = texts.get(field, "")
            if isinstance(text, Mapping):
                text = text.get("one") if params.get("count") == "1" and "one" in text else text.get("other")
            return self._fill(str(text or ""), params, language, text_chain, template)

        return Rendered(title=fill("title"), body=fill("body"), locale=source)

    def _fill(
        self, text: str, params: Mapping[str, str], language: str, chain: list[str], template: str
    ) -> str:
        def replace(match: re.Match[str]) -> str:
            whole, name, table = match.group(0), match.group(1), match.group(2)
            if whole in ("{{", "}}"):
                return whole[0]
            value = params.get(f"{name}.{language}") or params.get(name)
            if value is None:
                log.warning("notification template %r: no param %r", template, name)
                return "{" + name + "}"
            value = str(value)
            return self._label(table, value, chain) if table else value

        return _PLACEHOLDER.sub(replace, text)

    def placeholders(self, locale: str) -> dict[str, set[str]]:
        """The param names each template of `locale` uses (for checking the files agree)."""
        found: dict[str, set[str]] = {}
        for key, texts in self.locales[locale].get("templates", {}).items():
            names: set[str] = set()
            for text in texts.values():
                variants = text.values() if isinstance(text, Mapping) else [text]
                for variant in variants:
                    names.update(m.group(1) for m in _PLACEHOLDER.finditer(variant) if m.group(1))
            found[key] = names
        return found


@functools.cache
def default_book() -> TemplateBook:
    return TemplateBook.load(TEMPLATE_DIR)


def render(template: str, params: Mapping[str, str], locale: str | None) -> Rendered:
    """The title and body of notification `template` for a reader of `locale` (see the module doc)."""
    return default_book().render(template, params, locale)


def language_locale(language: str | None) -> str:
    """The locale for a person's app language (`preferences.language`: "zh" or "en")."""
    return "en" if language == "en" else DEFAULT_LOCALE
