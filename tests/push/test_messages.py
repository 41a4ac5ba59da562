"""The FCM message of a push: platform settings, collapse keys, TTL, and the payload size limit."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from push.messages import (
    ELLIPSIS,
    FCM_PAYLOAD_LIMIT,
    MAX_TTL,
    message_for,
    payload_bytes,
    to_fcm,
    truncated,
    valid_text,
)
from tests.support.fake_fcm import new_registration_token
from tests.support.fake_fcm_validation import check_send_request

DUE = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
NOTIFICATION = "evt-1|65f000000000000000000001"


def make(platform: str = "android", *, urgent: bool = False, **fields: object) -> dict[str, object]:
    arguments: dict[str, object] = {
        "title": "您的意见有了答复",
        "body": "交通运输局回复了您对《电动自行车停放充电管理规定》第三条的意见。",
        "link": "townhall://consultations/65f0000000000000000000aa",
        "notification_id": NOTIFICATION,
        "category": "reply",
        "collapse_key": "reply:65f0000000000000000000bb",
        "urgent": urgent,
        "ttl": dt.timedelta(days=1),
        "platform": platform,
        "due_at": DUE,
        **fields,
    }
    return message_for(**arguments)  # type: ignore[arg-type]


def sent_json(message: dict[str, object], token: str) -> dict[str, object]:
    """What firebase-admin puts on the wire for this message."""
    encoded: dict[str, object] = json.loads(str(to_fcm(message, token)))
    return encoded


class TestPlatforms:
    def test_android_gets_collapse_key_tag_priority_and_ttl(self) -> None:
        message = make("android")

        assert message == {
            "notification": {
                "title": "您的意见有了答复",
                "body": "交通运输局回复了您对《电动自行车停放充电管理规定》第三条的意见。",
            },
            "data": {
                "notification_id": NOTIFICATION,
                "link": "townhall://consultations/65f0000000000000000000aa",
                "category": "reply",
            },
            "android": {
                "collapse_key": "reply:65f0000000000000000000bb",
                "priority": "NORMAL",
                "ttl": "86400s",
                "notification": {"tag": "reply:65f0000000000000000000bb", "channel_id": "reply"},
            },
        }

    def test_urgent_android_is_high_priority(self) -> None:
        assert make("android", urgent=True)["android"]["priority"] == "HIGH"  # type: ignore[index]

    def test_ios_gets_apns_headers_counted_from_the_due_time(self) -> None:
        message = make("ios", urgent=True)

        assert message["apns"] == {
            "headers": {
                "apns-priority": "10",
                "apns-collapse-id": "reply:65f0000000000000000000bb",
                "apns-expiration": str(int((DUE + dt.timedelta(days=1)).timestamp())),
                "apns-push-type": "alert",
            },
            "payload": {"aps": {"sound": "default", "thread-id": "reply"}},
        }
        assert "android" not in message
        assert "webpush" not in message

    def test_ios_that_is_not_urgent_lets_the_phone_choose_when(self) -> None:
        assert make("ios")["apns"]["headers"]["apns-priority"] == "5"  # type: ignore[index]

    def test_web_gets_ttl_urgency_and_a_topic_of_32_url_safe_characters(self) -> None:
        headers = make("web")["webpush"]["headers"]  # type: ignore[index]

        assert headers["TTL"] == "86400"
        assert headers["Urgency"] == "normal"
        assert len(headers["Topic"]) == 32
        assert set(headers["Topic"]) <= set(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        )

    def test_an_unknown_platform_gets_every_platform_block(self) -> None:
        message = make("")

        assert {"android", "apns", "webpush"} <= set(message)

    def test_the_same_collapse_key_gives_the_same_settings(self) -> None:
        first = make("web", body="第一次")
        second = make("web", body="第二次")

        assert first["webpush"] == second["webpush"]

    def test_a_long_collapse_key_is_shortened_to_what_apns_accepts(self) -> None:
        message = make("", collapse_key="consultation:" + "条" * 40)

        key = message["apns"]["headers"]["apns-collapse-id"]  # type: ignore[index]
        assert len(key.encode()) <= 64
        assert message["android"]["collapse_key"] == key  # type: ignore[index]

    def test_without_a_collapse_key_a_message_collapses_only_with_its_own_repeats(self) -> None:
        message = make("android", collapse_key="")

        assert message["android"]["collapse_key"] == NOTIFICATION  # type: ignore[index]

    def test_ttl_is_kept_within_fcm_limits(self) -> None:
        assert make(ttl=dt.timedelta(days=60))["android"]["ttl"] == f"{int(MAX_TTL.total_seconds())}s"  # type: ignore[index]
        assert make(ttl=dt.timedelta(seconds=-5))["android"]["ttl"] == "0s"  # type: ignore[index]
        assert make("ios", ttl=dt.timedelta(0))["apns"]["headers"]["apns-expiration"] == "0"  # type: ignore[index]


class TestToFcm:
    @pytest.mark.parametrize("platform", ["android", "ios", "web", ""])
    def test_firebase_admin_sends_what_fcm_accepts(self, platform: str) -> None:
        token = new_registration_token()

        wire = sent_json(make(platform, urgent=True), token)

        message, validate_only = check_send_request({"message": wire})
        assert message["token"] == token
        assert validate_only is False
        assert wire["data"] == make(platform)["data"]
        assert wire["notification"] == make(platform)["notification"]

    def test_android_settings_reach_the_wire(self) -> None:
        wire = sent_json(make("android", urgent=True), new_registration_token())

        assert wire["android"] == {
            "collapse_key": "reply:65f0000000000000000000bb",
            "priority": "high",
            "ttl": "86400s",
            "notification": {"tag": "reply:65f0000000000000000000bb", "channel_id": "reply"},
        }

    def test_apns_settings_reach_the_wire(self) -> None:
        stored = make("ios")

        wire = sent_json(stored, new_registration_token())

        assert wire["apns"] == stored["apns"]

    def test_a_message_with_non_text_data_is_refused(self) -> None:
        message = make()
        message["data"] = {"count": 3}

        with pytest.raises(ValueError, match="strings"):
            to_fcm(message, new_registration_token())


class TestPayloadSize:
    def test_a_long_chinese_body_is_cut_under_the_limit_with_an_ellipsis(self) -> None:
        body = "临川市东湖街道老旧小区改造意见征集：" * 400

        message = make("", body=body)

        cut = message["notification"]["body"]  # type: ignore[index]
        assert payload_bytes(message) <= FCM_PAYLOAD_LIMIT
        assert cut.endswith(ELLIPSIS)
        assert body.startswith(cut[: -len(ELLIPSIS)])
        assert len(cut) > 500  # cut to fit, not to a fixed small length
        # Valid text: encodes as UTF-8 and round-trips through JSON.
        assert json.loads(json.dumps(cut)) == cut
        cut.encode("utf-8")

    def test_the_fcm_payload_of_a_cut_message_is_accepted_by_the_fcm_size_check(self) -> None:
        message = make("", body="表情😀与汉字" * 2000)

        check_send_request({"message": sent_json(message, new_registration_token())})

    def test_a_body_that_fits_is_left_whole(self) -> None:
        assert make(body="短")["notification"]["body"] == "短"  # type: ignore[index]

    def test_emoji_are_never_split(self) -> None:
        for emoji in ("😀", "👍🏽", "👨‍👩‍👧", "🇨🇳", "é"):
            body = "字" * 10 + emoji * 3000
            cut = make("", body=body)["notification"]["body"][: -len(ELLIPSIS)]  # type: ignore[index]
            assert cut == "字" * 10 + emoji * ((len(cut) - 10) // len(emoji)), emoji

    def test_a_long_title_is_cut(self) -> None:
        title = make(title="标" * 500)["notification"]["title"]  # type: ignore[index]

        assert len(title) == 120
        assert title.endswith(ELLIPSIS)


class TestText:
    def test_a_lone_surrogate_becomes_a_replacement_character(self) -> None:
        assert valid_text("ab\ud83dcd") == "ab\ufffdcd"

    def test_a_surrogate_pair_becomes_its_character(self) -> None:
        assert valid_text("\ud83d\ude00") == "😀"

    def test_truncated_keeps_combining_marks_with_their_letter(self) -> None:
        text = "e\u0301" * 10

        cut = truncated(text, 6)

        assert cut == "e\u0301" * 2 + ELLIPSIS

    def test_truncated_leaves_short_text_alone(self) -> None:
        assert truncated("意见", 5) == "意见"
