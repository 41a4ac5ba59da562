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

    def test_a_phone_number_holds_the_comment_for_review(self) -> None:
        screening = screen_comment("楼下噪音扰民，有事请打13812345678找我。", premoderated=False)

        assert screening == Screening(status=PENDING, reasons=["personal_data:mobile"])

    def test_advertising_holds_the_comment_even_when_disguised(self) -> None:
        screening = screen_comment("代 开 發 票，需要的私聊", premoderated=False)

        assert screening == Screening(status=PENDING, reasons=["lexicon:advertising"])

    def test_every_reason_is_given_in_a_premoderated_context(self) -> None:
        screening = screen_comment("加微信13812345678", premoderated=True)

        assert screening.reasons[0] == "premoderated"
        assert "personal_data:mobile" in screening.reasons
        assert any(reason.startswith("lexicon:") for reason in screening.reasons)

    def test_an_ordinary_comment_with_dates_and_articles_is_published(self) -> None:
        screening = screen_comment("建议第12条在2025年10月1日前实施，涉及人口612000人。", premoderated=False)

        assert screening == Screening(status=PUBLISHED, reasons=[])
