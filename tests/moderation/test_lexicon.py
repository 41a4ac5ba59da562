"""Lexicon detector: listed words found through evasions, ordinary text around them left alone."""

from __future__ import annotations

import pytest

from moderation.detectors.lexicon import (
    ABUSE,
    ADVERTISING,
    CATEGORIES,
    SPAM,
    STARTER_ENTRIES,
    THREATS,
    Lexicon,
    LexiconHit,
)

LEXICON = Lexicon.build(
    {
        ABUSE: ["傻逼", "idiot"],
        THREATS: ["去死", "kill you"],
        SPAM: ["刷单"],
        ADVERTISING: ["加微信", "VX", "wechat", "代开发票"],
    }
)


def ad(word: str, start: int, end: int) -> LexiconHit:
    return LexiconHit(ADVERTISING, word, start, end)


class TestFind:
    def test_plain_word(self) -> None:
        assert LEXICON.find("有需要请加微信联系") == [ad("加微信", 4, 7)]

    def test_spaces_between_characters(self) -> None:
        assert LEXICON.find("请 加 微 信 哦") == [ad("加微信", 2, 7)]

    def test_punctuation_between_characters(self) -> None:
        assert LEXICON.find("快加.微.信") == [ad("加微信", 1, 6)]

    def test_two_separators_between_characters(self) -> None:
        assert LEXICON.find("加..微信") == [ad("加微信", 0, 5)]

    def test_zero_width_characters_between_characters(self) -> None:
        assert LEXICON.find("加\u200b微\u200d\u200b\ufeff信") == [ad("加微信", 0, 7)]

    def test_full_width_letters(self) -> None:
        assert LEXICON.find("加ＶＸ详聊") == [ad("VX", 1, 3)]

    def test_full_width_lower_case_word(self) -> None:
        assert LEXICON.find("私信ｗｅｃｈａｔ") == [ad("wechat", 2, 8)]

    def test_title_case(self) -> None:
        assert LEXICON.find("add me on WeChat") == [ad("wechat", 10, 16)]

    def test_mixed_case(self) -> None:
        assert LEXICON.find("wEcHaT: abc") == [ad("wechat", 0, 6)]

    def test_letters_spelled_out(self) -> None:
        assert LEXICON.find("my w e c h a t is abc") == [ad("wechat", 3, 14)]

    def test_traditional_characters_in_text(self) -> None:
        assert LEXICON.find("專業代開發票") == [ad("代开发票", 2, 6)]

    def test_traditional_characters_in_lexicon(self) -> None:
        lexicon = Lexicon.build({ADVERTISING: ["代開發票"]})

        assert lexicon.find("专业代开发票") == [ad("代開發票", 2, 6)]

    def test_word_with_a_space_as_listed(self) -> None:
        assert LEXICON.find("I will kill you.") == [LexiconHit(THREATS, "kill you", 7, 15)]

    def test_category_of_each_word(self) -> None:
        hits = LEXICON.find("傻逼，去死吧，刷单加微信")

        assert [(hit.category, hit.word) for hit in hits] == [
            (ABUSE, "傻逼"),
            (THREATS, "去死"),
            (SPAM, "刷单"),
            (ADVERTISING, "加微信"),
        ]

    def test_overlapping_words_are_each_reported(self) -> None:
        lexicon = Lexicon.build({ADVERTISING: ["加微信", "微信号"]})

        assert lexicon.find("加微信号") == [ad("加微信", 0, 3), ad("微信号", 1, 4)]

    def test_same_word_in_two_categories(self) -> None:
        lexicon = Lexicon.build({SPAM: ["刷单"], ADVERTISING: ["刷单"]})

        assert lexicon.find("刷单") == [LexiconHit(ADVERTISING, "刷单", 0, 2), LexiconHit(SPAM, "刷单", 0, 2)]

    def test_latin_word_next_to_chinese(self) -> None:
        assert LEXICON.find("你这个idiot") == [LexiconHit(ABUSE, "idiot", 3, 8)]


class TestFindLeavesOrdinaryText:
    def test_part_of_a_listed_word(self) -> None:
        assert LEXICON.find("微信公众号发布了通知") == []

    def test_words_across_a_sentence_break(self) -> None:
        assert LEXICON.find("我们要加！！！\n\n微信群里已经通知了") == []

    def test_three_separators_between_characters(self) -> None:
        assert LEXICON.find("加...微信") == []

    def test_inside_a_longer_word(self) -> None:
        assert LEXICON.find("an idiotic proposal") == []

    def test_neighbouring_words_joined(self) -> None:
        assert LEXICON.find("see you later, we chat tomorrow") == []

    def test_clean_comment(self) -> None:
        assert LEXICON.find("建议在小区东门增设两个充电桩，晚上排队太久。") == []


class TestBuild:
    def test_refuses_an_empty_word(self) -> None:
        with pytest.raises(ValueError, match="fewer than 2 letters"):
            Lexicon.build({SPAM: [""]})

    def test_refuses_a_word_of_only_separators(self) -> None:
        with pytest.raises(ValueError, match="fewer than 2 letters"):
            Lexicon.build({SPAM: [" .\u200b "]})

    def test_refuses_a_one_letter_word(self) -> None:
        with pytest.raises(ValueError, match="fewer than 2 letters"):
            Lexicon.build({ABUSE: ["死"]})

    def test_refuses_an_unknown_category(self) -> None:
        with pytest.raises(ValueError, match="unknown lexicon category"):
            Lexicon.build({"insults": ["傻逼"]})

    def test_refuses_one_string_instead_of_words(self) -> None:
        with pytest.raises(ValueError, match="collection of words"):
            Lexicon.build({SPAM: "刷单"})

    def test_empty_lists_find_nothing(self) -> None:
        assert Lexicon.build({SPAM: []}).find("刷单") == []


class TestStarter:
    def test_has_every_category(self) -> None:
        assert set(STARTER_ENTRIES) == set(CATEGORIES)

    def test_finds_a_listed_evasion(self) -> None:
        assert Lexicon.starter().find("代 開 發 票，加V.X") == [
            ad("代开发票", 0, 7),
            ad("加vx", 8, 12),
        ]
