"""The one screening step: text as it is stored, and the status a comment starts in."""

from __future__ import annotations

import pytest

from moderation.detectors.lexicon import Lexicon
from moderation.detectors.spam import AllowList
from moderation.screening import (
    PENDING,
    PUBLISHED,
    STARTER_RULES,
    Screening,
    ScreeningRules,
    normalise_text,
    screening_of,
    text_findings,
)


def screen_comment(
    text: str, *, premoderated: bool, public: bool = True, rules: ScreeningRules = STARTER_RULES
) -> Screening:
    """The text checks as models.moderation.screen.screen_submission runs them, before its rules
    read and the flood counters."""
    return screening_of(text_findings(text, public=public, rules=rules), premoderated=premoderated)


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

        assert screening == Screening(status=PENDING, reasons=["personal_data:mobile"], score=0.5)

    def test_advertising_holds_the_comment_even_when_disguised(self) -> None:
        screening = screen_comment("代 开 發 票，需要的私聊", premoderated=False)

        assert screening == Screening(status=PENDING, reasons=["lexicon:advertising"], score=0.6)

    def test_every_reason_is_given_in_a_premoderated_context(self) -> None:
        screening = screen_comment("加微信13812345678", premoderated=True)

        assert screening.reasons[0] == "premoderated"
        assert "personal_data:mobile" in screening.reasons
        assert any(reason.startswith("lexicon:") for reason in screening.reasons)

    def test_an_ordinary_comment_with_dates_and_articles_is_published(self) -> None:
        screening = screen_comment("建议第12条在2025年10月1日前实施，涉及人口612000人。", premoderated=False)

        assert screening == Screening(status=PUBLISHED, reasons=[])

    def test_a_link_to_a_domain_off_the_allow_list_holds_the_comment(self) -> None:
        screening = screen_comment("优惠详情见 www.haoyouhui.top 先到先得", premoderated=False)

        assert screening == Screening(status=PENDING, reasons=["spam:link"], score=0.5)

    def test_a_link_to_a_government_site_is_published(self) -> None:
        text = "通知原文在 https://www.linchuan.gov.cn/zwgk/2025/123.html 可以看到。"

        assert screen_comment(text, premoderated=False) == Screening(status=PUBLISHED, reasons=[])

    def test_repeated_characters_hold_the_comment(self) -> None:
        screening = screen_comment("垃圾站太臭了啊啊啊啊啊啊啊啊啊", premoderated=False)

        assert screening.reasons == ["spam:repeated_chars"]

    def test_findings_come_in_screening_order(self) -> None:
        screening = screen_comment("傻逼快去 www.abc.top 打13812345678！！！！！！！！", premoderated=True)

        assert screening.reasons == [
            "premoderated",
            "personal_data:mobile",
            "lexicon:abuse",
            "spam:link",
            "spam:repeated_chars",
        ]

    def test_a_private_request_is_not_held_for_the_phone_number_it_gives(self) -> None:
        text = "我家楼下路灯坏了，请联系我13812345678。"

        assert screen_comment(text, premoderated=False, public=False).reasons == []

    def test_the_rules_given_replace_the_starter_rules(self) -> None:
        rules = ScreeningRules(Lexicon.build({"spam": ["团购群"]}), AllowList(["haoyouhui.top"]))

        screening = screen_comment("进团购群，见 www.haoyouhui.top", premoderated=False, rules=rules)

        assert screening.reasons == ["lexicon:spam"]


class TestScore:
    def test_nothing_found_scores_zero_even_when_premoderated(self) -> None:
        assert screening_of([], premoderated=True).score == 0.0

    def test_findings_add_up_towards_one(self) -> None:
        one = screening_of(["spam:link"], premoderated=False).score
        two = screening_of(["spam:link", "personal_data:mobile"], premoderated=False).score
        threat = screening_of(["lexicon:threats"], premoderated=False).score

        assert (one, two, threat) == (0.5, 0.75, 0.9)

    def test_a_finding_counts_once(self) -> None:
        assert screening_of(["spam:link", "spam:link"], premoderated=False).reasons == ["spam:link"]
