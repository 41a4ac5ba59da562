"""From a domain action to the phone: outbox → fan-out → push worker → (fake) FCM → inbox."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import firebase_admin
from strawberry.relay import from_base64

from api.settings import Settings
from api.workers import HANDLERS
from models.common.actors import Role
from models.common.clock import from_epoch_ms, utcnow
from models.common.db import Database
from models.common.outbox_worker import OutboxWorker
from models.notifications.digests import send_due_digests
from models.notifications.documents import DEVICES, DIGESTS
from models.notifications.fanout import run_fanout_job
from push.delivery_worker import DeliveryWorker
from push.firebase_app import messaging_app
from tests.consultations.comment_support import citizen, gid, mutate, run, staff, submit
from tests.consultations.drafts import make_city, make_draft, make_open
from tests.support.fake_fcm import FakeFcm, FcmFailure, new_registration_token
from tests.support.graphql_client import GraphQLClient

REGISTER = """
mutation ($input: RegisterDeviceInput!) { registerDevice(input: $input) {
  __typename ... on UserError { code message field }
} }
"""
QUIET_OFF = """
mutation { updateNotificationSettings(input: {quietHours: null}) {
  __typename ... on UserError { code message field }
} }
"""
UPDATE_ME = """
mutation ($input: UpdateMeInput!) { updateMe(input: $input) { __typename } }
"""
CLOSE = """
mutation ($id: ID!) { closeConsultation(input: {id: $id}) { __typename } }
"""
SET_OUTCOME = """
mutation ($input: SetCommentOutcomeInput!) { setCommentOutcome(input: $input) { __typename } }
"""
PUBLISH = """
mutation ($input: PublishAdoptionReportInput!) { publishAdoptionReport(input: $input) {
  __typename ... on UserError { code message }
} }
"""
INBOX = "{ notifications(first: 10) { unreadCount edges { node { category title body link } } } }"


def fake_app(fake_fcm: FakeFcm) -> firebase_admin.App:
    return messaging_app(
        Settings(
            firebase_project_id=fake_fcm.project_id,
            fcm_endpoint=fake_fcm.endpoint,
            fcm_static_token=fake_fcm.static_token,
        )
    )


async def work(db: Database, app: firebase_admin.App) -> None:
    """What `townhall worker --once` does for these events: relay, handle, push."""
    worker = OutboxWorker(db=db, handlers=HANDLERS, kinds=set(HANDLERS))
    await worker.sweep()
    await worker.drain()
    await DeliveryWorker(db=db, app=app).deliver_due()


async def commenter(
    gql: GraphQLClient, phone: str, language: str, devices: list[tuple[str, str]], db: Database
) -> tuple[dict[str, str], list[str]]:
    """A citizen with the app in `language`, quiet hours off, and devices (platform, locale)."""
    _, headers = await citizen(db, phone)
    await run(gql, UPDATE_ME, {"input": {"language": language}}, headers)
    await run(gql, QUIET_OFF, {}, headers)
    tokens = []
    for platform, locale in devices:
        token = new_registration_token()
        result = await mutate(
            gql,
            REGISTER,
            {
                "token": token,
                "platform": platform,
                "appVersion": "2.3.1",
                "locale": locale,
                "timeZone": "Asia/Shanghai",
            },
            headers,
        )
        assert result["__typename"] == "DeviceRegistered", result
        tokens.append(token)
    return headers, tokens


async def test_an_adoption_report_reaches_every_commenters_devices_in_their_language(
    gql: GraphQLClient, db: Database, fake_fcm: FakeFcm
) -> None:
    city = await make_city(db)
    consultation = await make_open(db, city["housing"])
    wang, wang_tokens = await commenter(
        gql, "+8613912345671", "zh", [("ANDROID", "zh-CN"), ("IOS", "zh-CN")], db
    )
    smith, smith_tokens = await commenter(gql, "+8613912345672", "en", [("ANDROID", "en-GB")], db)
    wang_comment = await submit(gql, consultation, wang, clauseId="c3", text="建议在楼道外设集中充电柜。")
    smith_comment = await submit(gql, consultation, smith, stance="OPPOSE", text="楼道禁停太严，老人不方便。")
    _, housing = await staff(db, "li@housing.example.cn", Role.OFFICIAL, "housing")
    await run(gql, CLOSE, {"id": gid("Consultation", consultation)}, housing)
    for comment, outcome in ((wang_comment, "ADOPTED"), (smith_comment, "NOT_ADOPTED")):
        outcome_input = {"commentId": comment["id"], "outcome": outcome, "reason": "见报告第二部分。"}
        assert (await run(gql, SET_OUTCOME, {"input": outcome_input}, housing))["setCommentOutcome"][
            "__typename"
        ] == "CommentOutcomeSet"
    report = {
        "consultationId": gid("Consultation", consultation),
        "summary": "采纳了集中充电柜的建议。",
        "changedClauseIds": [],
    }
    published = await run(gql, PUBLISH, {"input": report}, housing)
    assert published["publishAdoptionReport"]["__typename"] == "AdoptionReportPublished", published

    await work(db, fake_app(fake_fcm))

    received: dict[str, list[dict[str, Any]]] = {
        token: [sent.message for sent in fake_fcm.messages_for(token)] for token in wang_tokens + smith_tokens
    }
    assert all(len(messages) == 1 for messages in received.values()), received
    for token in wang_tokens:
        assert "已采纳" in received[token][0]["notification"]["title"]
    english = received[smith_tokens[0]][0]["notification"]
    assert "已采纳" not in english["title"] and english["title"].isascii(), english
    smith_comment_id = from_base64(smith_comment["id"])[1]
    assert received[smith_tokens[0]][0]["data"]["link"].endswith(f"/comments/{smith_comment_id}")
    wang_inbox = (await run(gql, INBOX, {}, wang))["notifications"]
    smith_inbox = (await run(gql, INBOX, {}, smith))["notifications"]
    assert [(n["node"]["category"], wang_inbox["unreadCount"]) for n in wang_inbox["edges"]] == [
        ("OUTCOME", 1)
    ]
    assert smith_inbox["edges"][0]["node"]["title"].isascii()

    await work(db, fake_app(fake_fcm))  # nothing new: nobody is told twice

    assert sum(fake_fcm.count(token) for token in wang_tokens + smith_tokens) == 3


SETTINGS = """
mutation ($input: UpdateNotificationSettingsInput!) { updateNotificationSettings(input: $input) {
  __typename ... on UserError { code message field }
} }
"""
REPLY = """
mutation ($input: ReplyToCommentInput!) { replyToComment(input: $input) { __typename } }
"""
FOLLOW = """
mutation ($input: FollowInput!) { follow(input: $input) { __typename ... on UserError { code message } } }
"""
PUBLISH_DRAFT = """
mutation ($id: ID!) { publishConsultation(input: {id: $id}) { __typename ... on UserError { code message } } }
"""


async def replied(
    gql: GraphQLClient, db: Database, settings: dict[str, Any]
) -> tuple[dict[str, str], list[str]]:
    """A citizen with `settings` whose comment an official answers; their headers and device tokens."""
    city = await make_city(db)
    consultation = await make_open(db, city["housing"])
    headers, tokens = await commenter(gql, "+8613912345673", "zh", [("ANDROID", "zh-CN")], db)
    result = await run(gql, SETTINGS, {"input": settings}, headers)
    assert result["updateNotificationSettings"]["__typename"] == "NotificationSettingsUpdated", result
    comment = await submit(gql, consultation, headers, text="小区门口的充电桩太少了。")
    _, housing = await staff(db, "li@housing.example.cn", Role.OFFICIAL, "housing")
    await run(gql, REPLY, {"input": {"commentId": comment["id"], "text": "已安排增设。"}}, housing)
    return headers, tokens


async def test_inbox_only_puts_the_reply_in_the_inbox_and_pushes_nothing(
    gql: GraphQLClient, db: Database, fake_fcm: FakeFcm
) -> None:
    headers, tokens = await replied(gql, db, {"categories": [{"category": "REPLY", "delivery": "INBOX"}]})

    await work(db, fake_app(fake_fcm))

    inbox = (await run(gql, INBOX, {}, headers))["notifications"]
    assert [edge["node"]["category"] for edge in inbox["edges"]] == ["REPLY"]
    assert fake_fcm.count(tokens[0]) == 0


async def test_quiet_hours_hold_the_push_until_they_end(
    gql: GraphQLClient, db: Database, fake_fcm: FakeFcm
) -> None:
    here = dt.datetime.now(ZoneInfo("Asia/Shanghai"))
    start, end = here - dt.timedelta(hours=1), here + dt.timedelta(hours=1)
    quiet = {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}
    headers, tokens = await replied(gql, db, {"quietHours": quiet})
    app = fake_app(fake_fcm)

    await work(db, app)

    assert fake_fcm.count(tokens[0]) == 0
    assert (await run(gql, INBOX, {}, headers))["notifications"]["unreadCount"] == 1  # the inbox at once
    morning = end.replace(second=0, microsecond=0).astimezone(dt.UTC) + dt.timedelta(minutes=1)
    await DeliveryWorker(db=db, app=app, now=lambda: morning).deliver_due()
    assert fake_fcm.count(tokens[0]) == 1


async def test_over_the_daily_cap_new_consultations_come_as_one_digest(
    gql: GraphQLClient, db: Database, fake_fcm: FakeFcm
) -> None:
    city = await make_city(db)
    headers, tokens = await commenter(gql, "+8613912345674", "zh", [("ANDROID", "zh-CN")], db)
    await run(gql, SETTINGS, {"input": {"dailyCap": 1}}, headers)
    followed = await run(gql, FOLLOW, {"input": {"targetId": gid("Department", city["housing"])}}, headers)
    assert followed["follow"]["__typename"] == "Followed", followed
    _, housing = await staff(db, "li@housing.example.cn", Role.OFFICIAL, "housing")
    for n in range(3):
        draft = await make_draft(db, city["housing"], title=f"临川市住房政策征求意见稿（第{n + 1}号）")
        assert (await run(gql, PUBLISH_DRAFT, {"id": gid("Consultation", draft)}, housing))[
            "publishConsultation"
        ]["__typename"] == "ConsultationPublished"
    app = fake_app(fake_fcm)

    await work(db, app)
    await run_fanouts_and_push(db, app)

    assert fake_fcm.count(tokens[0]) == 1  # the first; the other two wait for the digest
    assert (await run(gql, INBOX, {}, headers))["notifications"]["unreadCount"] == 3
    (digest,) = await DIGESTS.of(db).find({}).to_list()
    evening = from_epoch_ms(digest["due_ms"])
    await send_due_digests(db, evening)
    await DeliveryWorker(db=db, app=app, now=lambda: evening).deliver_due()
    bodies = [sent.message["notification"]["body"] for sent in fake_fcm.messages_for(tokens[0])]
    assert len(bodies) == 2 and "2" in bodies[1], bodies


async def run_fanouts_and_push(db: Database, app: firebase_admin.App) -> None:
    while await run_fanout_job(db, "test-worker"):
        pass
    await DeliveryWorker(db=db, app=app).deliver_due()


async def test_a_429_storm_then_a_503_outage_deliver_everything_once_they_end(
    gql: GraphQLClient, db: Database, fake_fcm: FakeFcm
) -> None:
    city = await make_city(db)
    consultation = await make_open(db, city["housing"])
    people = [
        await commenter(gql, f"+86139123457{n:02d}", "zh", [("ANDROID", "zh-CN"), ("IOS", "zh-CN")], db)
        for n in range(6)
    ]
    _, housing = await staff(db, "li@housing.example.cn", Role.OFFICIAL, "housing")
    for n, (headers, _) in enumerate(people):
        comment = await submit(gql, consultation, headers, text=f"关于充电设施的第{n + 1}条建议。")
        await run(gql, REPLY, {"input": {"commentId": comment["id"], "text": "已收到。"}}, housing)
    tokens = [token for _, person_tokens in people for token in person_tokens]
    app = fake_app(fake_fcm)
    fake_fcm.fail_for(60, FcmFailure.QUOTA_EXCEEDED, retry_after=30)

    await work(db, app)  # every push refused with 429: all wait at least the 30 s asked for

    assert sum(fake_fcm.count(token) for token in tokens) == 0
    fake_fcm.reset()
    fake_fcm.fail_next(4, FcmFailure.UNAVAILABLE)
    later = utcnow() + dt.timedelta(minutes=5)
    for minutes in range(0, 120, 5):  # the worker's later rounds, past every back-off
        await DeliveryWorker(
            db=db, app=app, now=lambda m=minutes: later + dt.timedelta(minutes=m)
        ).deliver_due()

    assert {token: fake_fcm.count(token) for token in tokens} == dict.fromkeys(tokens, 1)


async def test_an_unregistered_token_is_deleted_and_not_tried_again(
    gql: GraphQLClient, db: Database, fake_fcm: FakeFcm
) -> None:
    city = await make_city(db)
    consultation = await make_open(db, city["housing"])
    headers, (old_phone, new_phone) = await commenter(
        gql, "+8613912345690", "zh", [("ANDROID", "zh-CN"), ("ANDROID", "zh-CN")], db
    )
    fake_fcm.unregister(old_phone)  # the app was uninstalled from the old phone
    _, housing = await staff(db, "li@housing.example.cn", Role.OFFICIAL, "housing")
    app = fake_app(fake_fcm)
    for text in ("第一条建议：增设充电桩。", "第二条建议：延长开放时间。"):
        comment = await submit(gql, consultation, headers, text=text)
        await run(gql, REPLY, {"input": {"commentId": comment["id"], "text": "已收到。"}}, housing)
        await work(db, app)

    assert await DEVICES.of(db).find_one({"_id": old_phone}) is None
    assert len(fake_fcm.refused_for(old_phone)) == 1  # tried for the first reply only
    assert fake_fcm.count(new_phone) == 2
    assert (await run(gql, INBOX, {}, headers))["notifications"]["unreadCount"] == 2
