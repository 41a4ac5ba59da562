"""Redaction: replacing spans of a text with a visible mark, the spans checked first."""

from __future__ import annotations

from collections.abc import Iterable

REDACTION_MARK = "［已隐去］"

Span = tuple[int, int]
"""[start, end) character offsets into a text."""


def checked_spans(spans: Iterable[Span], length: int) -> list[Span]:
    """The spans sorted, touching or overlapping ones merged; ValueError when one is empty or
    reaches outside a text of `length` characters."""
    ordered = sorted(spans)
    merged: list[Span] = []
    for start, end in ordered:
        if not 0 <= start < end <= length:
            raise ValueError(f"the span {start}–{end} is not inside the text (0–{length})")
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def redact_spans(text: str, spans: Iterable[Span], mark: str = REDACTION_MARK) -> str:
    """`text` with each span replaced by `mark` (spans as `checked_spans` accepts them)."""
    parts: list[str] = []
    cursor = 0
    for start, end in checked_spans(spans, len(text)):
        parts += [text[cursor:start], mark]
        cursor = end
    parts.append(text[cursor:])
    return "".join(parts)
