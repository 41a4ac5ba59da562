"""The one screening step: text as it is stored, and the status a comment starts in."""

from __future__ import annotations

import pytest

from moderation.screening import PENDING, PUBLISHED, Screening, normalise_text, screen_comment


class TestNormaliseText:
    @pytest.mark.parametrize(
        ("given", "stored"),
        [
            ("  建议增设充电桩。 \n", "建议增设充电桩。"),
            ("第一段\r\n第二段", "第一段\n第二段"),
            ("e\u0301", "é"),  # one spelling of é, so lengths and duplicates compare
            ("右\u202e左\u200b隐", "右左隐"),  # direction overrides and zero-width characters go
            ("a\x00b\x07c\td", "abc\td"),
        ],
    )
    def test_normalises(self, given: str, stored: str) -> None:
        assert normalise_text(given) == stored


class TestScreenComment:
    def test_a_premoderated_consultation_holds_every_comment(self) -> None:
        assert screen_comment("支持", premoderated=True) == Screening(
            status=PENDING, reasons=["premoderated"]
        )

    def test_otherwise_a_comment_is_published(self) -> None:
        assert screen_comment("支持", premoderated=False) == Screening(status=PUBLISHED, reasons=[])
