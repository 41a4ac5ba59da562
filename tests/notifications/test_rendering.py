"""Notification text per locale: the template files, fallback, labels, and hostile or missing params."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from models.notifications.rendering import (
    DEFAULT_LOCALE,
    TemplateBook,
    default_book,
    normalize_locale,
    render,
)

OUTCOME = {
    "consultation": "电动自行车停放管理办法",
    "outcome": "PARTLY_ADOPTED",
    "reason": "已增加充电设施要求",
}


def test_an_outcome_in_chinese() -> None:
    rendered = render("consultation.comment_outcome", OUTCOME, "zh-CN")

    assert rendered.locale == "zh-CN"
    assert rendered.title == "意见处理结果：部分采纳"
    assert rendered.body == "您对《电动自行车停放管理办法》提出的意见：部分采纳。说明：已增加充电设施要求"


def test_an_outcome_in_english() -> None:
    rendered = render("consultation.comment_outcome", {**OUTCOME, "reason": "Added charging points"}, "en")

    assert rendered.locale == "en"
    assert rendered.title == "Outcome of your comment: partly adopted"
    assert rendered.body.endswith("was partly adopted. Reason: Added charging points")


def test_en_gb_falls_back_to_en() -> None:
    assert render("consultation.comment_replied", OUTCOME, "en-GB").locale == "en"
    assert render("consultation.comment_replied", OUTCOME, "en_us").locale == "en"


@pytest.mark.parametrize("locale", ["fr", "fr-FR", "zh", "zh-Hant-TW", None, "", "not a locale!"])
def test_other_locales_fall_back_to_simplified_chinese(locale: str | None) -> None:
    rendered = render("consultation.comment_replied", OUTCOME, locale)

    assert (rendered.locale, rendered.title) == (DEFAULT_LOCALE, "您的意见有了答复")


def test_a_translated_param_is_used_in_its_language() -> None:
    params = {
        "consultation": "Noise rules",
        "department": "生态环境局",
        "department.en": "Environment Bureau",
    }

    assert render("consultation.published", params, "en").body.startswith("Environment Bureau has published")
    assert render("consultation.published", params, "zh-CN").body.startswith("生态环境局发布了")


def test_the_digest_counts_in_english() -> None:
    assert render("digest.daily", {"count": "1"}, "en").body.startswith("1 new consultation today")
    assert render("digest.daily", {"count": "3"}, "en").body.startswith("3 new consultations today")
    assert "今天有 3 项新的意见征集" in render("digest.daily", {"count": "3"}, "zh-CN").body


def test_an_unknown_label_shows_the_code() -> None:
    rendered = render("moderation.decision", {"action": "HIDE", "reason": "local_rule"}, "zh-CN")

    assert rendered.body.startswith("您发布的内容已被隐藏。原因：local_rule。")


def test_a_missing_param_leaves_a_visible_placeholder_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="townhall.notifications"):
        rendered = render("moderation.decision", {"action": "REDACT"}, "en")

    assert rendered.body.startswith("Part of your post was hidden. Reason: {reason}.")
    assert "no param 'reason'" in caplog.text


def test_params_are_inserted_not_interpreted() -> None:
    hostile = {"consultation": "{reason} {0.__class__} {{x}}", "outcome": "ADOPTED", "reason": "ok"}

    body = render("consultation.comment_outcome", hostile, "en").body

    assert "“{reason} {0.__class__} {{x}}”" in body


def test_an_unknown_template_gives_the_generic_text(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="townhall.notifications"):
        rendered = render("petition.milestone", {}, "en")

    assert (rendered.title, rendered.locale) == ("You have a new notification", "en")
    assert "petition.milestone" in caplog.text


def test_a_key_missing_in_a_locale_falls_back_to_the_next(tmp_path: Path) -> None:
    (tmp_path / "zh-CN.json").write_text(
        json.dumps(
            {
                "templates": {"a": {"title": "标题", "body": "正文"}, "b": {"title": "乙", "body": "{x@t}"}},
                "labels": {"t": {"one": "一", "two": "二"}},
            }
        )
    )
    (tmp_path / "en.json").write_text(
        json.dumps({"templates": {"b": {"title": "B", "body": "{x@t}"}}, "labels": {"t": {"one": "One"}}})
    )
    book = TemplateBook.load(tmp_path)

    assert book.render("a", {}, "en-GB").title == "标题"
    assert book.render("b", {"x": "one"}, "en").body == "One"
    # A label missing in English comes from the next locale in the chain.
    assert book.render("b", {"x": "two"}, "en").body == "二"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("zh-cn", "zh-CN"),
        ("zh_Hans_CN", "zh-Hans-CN"),
        ("EN", "en"),
        ("es-419", "es-419"),
        ("x", None),
        ("", None),
    ],
)
def test_locales_are_normalized(value: str, expected: str | None) -> None:
    assert normalize_locale(value) == expected


def test_every_locale_has_every_template_with_the_same_params() -> None:
    book = default_book()
    reference = book.placeholders(DEFAULT_LOCALE)

    assert {
        "consultation.comment_replied",
        "consultation.comment_outcome",
        "consultation.clause_changed",
        "consultation.published",
        "moderation.decision",
        "moderation.appeal_decided",
        "digest.daily",
    } <= set(reference)
    for locale in book.locales:
        assert book.placeholders(locale) == reference, locale
        for table, labels in book.locales[DEFAULT_LOCALE]["labels"].items():
            assert set(book.locales[locale]["labels"][table]) == set(labels), (locale, table)
