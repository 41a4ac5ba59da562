"""Spam signs in one text: links to domains off the allow-list, runs of repeated characters."""

from __future__ import annotations

import pytest

from api.demo.consultations import CONSULTATIONS
from moderation.detectors.spam import (
    STARTER_ALLOWED_DOMAINS,
    AllowList,
    Repeat,
    disallowed_links,
    find_links,
    find_repeats,
    normalise_domain,
)

# Comments as residents write them: numbers, dates, times, clause numbers, file names, laughter.
ORDINARY = [
    "建议第3.2条中的“集中充电点”改为每栋楼至少一个，晚上8点后电动车充电排队太长了。",
    "谢谢谢谢！终于有人管楼道充电的事了，好好学习一下新规定。",
    "哈哈哈哈，说得对，楼上的意见我也支持。",
    "我每天早上7点半送孩子上学，东门那段路积水有10cm深，e.g. 上周三就是这样……",
    "附件《实施细则.pdf》第2页的表格看不清，能不能重新上传一份？",
    "总投资100000000元，分三年完成，2025年1月1日起实施是否太急？",
    "加油加油加油！希望早日落实。",
    "噪音问题太严重了！！！晚上11点还在施工",
    "我的邮箱是zhang.san@example.cn，方便的话回复我。",  # personal data, not a link
    "版本v1.2和v1.3相比，第4.5条删掉了，为什么？",
    "——————以上是我的意见——————",
    "…………真是无语了…………",
]


class TestLinks:
    @pytest.mark.parametrize(
        ("text", "domain"),
        [
            ("详情请看 https://www.haoyouhui.top/a?id=1 ", "www.haoyouhui.top"),
            ("加群领红包 www.hongbao88.com", "www.hongbao88.com"),
            ("看这里example.com/x很便宜", "example.com"),
            ("ｗｗｗ．ｈｏｎｇｂａｏ．ｃｏｍ", "www.hongbao.com"),  # full-width
            ("HTTPS：／／Example.COM", "example.com"),
            ("私聊 hongbao。com", "hongbao.com"),
            ("戳 hongbao点com 领取", "hongbao.com"),
            ("hongbao[.]top", "hongbao.top"),
            ("hongbao(dot)cn", "hongbao.cn"),
            ("hong\u200bbao.com", "hongbao.com"),  # an invisible character inside
            ("http://1.2.3.4:8080/x", "1.2.3.4"),
            ("hxxp://evil.top", "evil.top"),
        ],
    )
    def test_finds_links_in_every_disguise(self, text: str, domain: str) -> None:
        assert [link.domain for link in find_links(text)] == [domain]

    def test_a_link_spans_the_text_as_written(self) -> None:
        text = "看 ｗｗｗ．ａｂ．ｃｏｍ 吧"

        (link,) = find_links(text)

        assert text[link.start : link.end] == "ｗｗｗ．ａｂ．ｃｏｍ"

    @pytest.mark.parametrize("text", ORDINARY)
    def test_ordinary_text_has_no_links(self, text: str) -> None:
        assert find_links(text) == []

    @pytest.mark.parametrize(
        "text", ["e.g. 3.5km", "第1.2条", "report.pdf", "Node.js", "下午3点cn老师来", "x.community"]
    )
    def test_things_that_look_a_little_like_domains_are_not_links(self, text: str) -> None:
        assert find_links(text) == []

    def test_subdomains_of_an_allowed_domain_are_allowed(self) -> None:
        allowed = AllowList(["gov.cn"])
        text = "见 https://www.linchuan.gov.cn/zwgk 和 gov.cn，另见 www.gov.cn.evil.top 和 notgov.cn"

        assert [link.domain for link in disallowed_links(text, allowed)] == [
            "www.gov.cn.evil.top",
            "notgov.cn",
        ]

    def test_the_starter_list_allows_government_sites(self) -> None:
        allowed = AllowList(STARTER_ALLOWED_DOMAINS)

        assert allowed.allows("www.linchuan.gov.cn")
        assert not allowed.allows("linchuan-gov.cn")

    @pytest.mark.parametrize(
        ("given", "stored"),
        [
            ("GOV.CN", "gov.cn"),
            ("https://www.Linchuan.gov.cn", "linchuan.gov.cn"),
            ("example.com.", "example.com"),
        ],
    )
    def test_domains_are_normalised(self, given: str, stored: str) -> None:
        assert normalise_domain(given) == stored

    @pytest.mark.parametrize(
        "given", ["localhost", "", "exa mple.com", "-bad.com", "example.c", "a..com", "临川.中国"]
    )
    def test_malformed_domains_are_refused(self, given: str) -> None:
        with pytest.raises(ValueError, match="is not a domain name"):
            normalise_domain(given)


class TestRepeats:
    @pytest.mark.parametrize(
        ("text", "unit", "count"),
        [
            ("太吵了啊啊啊啊啊啊啊啊啊", "啊", 9),
            ("!!!!!!!!", "!", 8),
            ("！！！！！！！！", "！", 8),
            ("哈哈哈哈哈哈哈哈哈哈", "哈", 10),
            ("加油加油加油加油加油", "加油", 5),
            ("顶 顶 顶 顶 顶 顶 ", "顶 ", 6),
            ("👍👍👍👍👍👍👍👍", "👍", 8),
            ("----------------", "-", 16),
        ],
    )
    def test_long_runs_are_found(self, text: str, unit: str, count: int) -> None:
        (repeat,) = find_repeats(text)

        assert (repeat.unit, repeat.count, text[repeat.start : repeat.end]) == (
            unit,
            count,
            text[repeat.start :],
        )

    @pytest.mark.parametrize("text", ORDINARY)
    def test_ordinary_text_has_none(self, text: str) -> None:
        assert find_repeats(text) == []

    @pytest.mark.parametrize(
        "text", ["谢谢谢谢", "好好学习", "哈哈哈哈哈哈", "啊啊啊啊啊啊啊", "加油加油加油加油", "00000000000"]
    )
    def test_short_runs_and_digits_are_not_spam(self, text: str) -> None:
        assert find_repeats(text) == []

    def test_runs_are_reported_in_order(self) -> None:
        assert find_repeats("啊啊啊啊啊啊啊啊，呀呀呀呀呀呀呀呀") == [
            Repeat("啊", 8, 0, 8),
            Repeat("呀", 8, 9, 17),
        ]


def test_no_demo_comment_looks_like_spam() -> None:
    texts = [comment.text for consultation in CONSULTATIONS for comment in consultation.comments]
    allowed = AllowList(STARTER_ALLOWED_DOMAINS)

    assert texts
    assert [text for text in texts if find_repeats(text) or disallowed_links(text, allowed)] == []
