"""Comments through the API: submitting (also by helpers), editing, deleting, agreeing, replying; who may."""

from __future__ import annotations

import datetime as dt

from bson import ObjectId

from models.common.actors import Role
from models.common.clock import utcnow
from models.common.outbox import OUTBOX
from models.consultations.documents import COMMENT_AGREES, COMMENTS, CONSULTATIONS
from models.identity.documents import PEOPLE
from tests.consultations.comment_support import (
    COMMENTS_PAGE,
    COUNTERS,
    DELETE,
    EDIT,
    REPLY,
    SUBMIT,
    SUBMIT_ON_BEHALF,
    TOGGLE_AGREE,
    citizen,
    comment_input,
    counters,
    gid,
    mutate,
    run,
    staff,
    stored_comment,
    submit,
)
from tests.consultations.drafts import make_city, make_draft, make_open
from tests.support.factories import bearer, make_citizen, sign_in
from tests.support.graphql_client import GraphQLClient

MY_COMMENTS = """
{ myComments(first: 10) { edges { node { text status viaHelper consultation { title stage } } } } }
"""
NODE = "query ($id: ID!) { node(id: $id) { ... on Comment { text status } } }"


class TestSubmit:
    async def test_a_citizen_comments_on_a_clause_and_the_figures_count_it(
        self, gql: GraphQLClient, db
    ) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        person, headers = await citizen(db)

        comment = await submit(
            gql, consultation, headers, clauseId="c3", stance="OPPOSE", text="  楼道禁停一刀切不合理。 "
        )
        await submit(gql, consultation, headers, stance="SUPPORT", text="总体支持。")

        assert comment | {"id": None, "createdAt": None} == {
            "id": None,
            "clauseId": "c3",
            "clauseVersion": 1,
            "stance": "OPPOSE",
            "text": "楼道禁停一刀切不合理。",
            "status": "PUBLISHED",
            "channel": "APP",
            "viaHelper": False,
            "agreeCount": 0,
            "agreedByMe": False,
            "createdAt": None,
            "editedAt": None,
            "author": {"publicName": person["public_name"]},
            "reply": None,
        }
        figures = await run(gql, COUNTERS, {"id": gid("Consultation", consultation)}, headers)
        # One person with two comments is one commenter; the whole-draft comment has no clause.
        assert figures["consultation"]["counters"] == {
            "commentCount": 2,
            "commenterCount": 1,
            "byStance": {"support": 1, "oppose": 1, "suggestion": 0},
            "byClause": [{"clauseId": "c3", "count": 1}],
        }

    async def test_two_citizens_are_two_commenters(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        for phone in ("+8613800000001", "+8613800000002"):
            await submit(gql, consultation, (await citizen(db, phone))[1], clauseId="c1")

        assert (await counters(db, consultation))["commenters"] == 2

    async def test_an_unknown_clause_and_a_bad_length_are_refused(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        _, headers = await citizen(db)

        unknown = await mutate(gql, SUBMIT, comment_input(consultation, clauseId="c9"), headers)
        short = await mutate(gql, SUBMIT, comment_input(consultation, text=" 好 "), headers)
        long = await mutate(gql, SUBMIT, comment_input(consultation, text="长" * 2001), headers)

        assert unknown == {
            "__typename": "InvalidInputError",
            "code": "INVALID_INPUT",
            "message": "the current text has no clause 'c9'",
            "field": "clauseId",
        }
        assert (short["field"], long["field"]) == ("text", "text")
        assert long["message"] == "a comment is 2–2000 characters (now 2001)"
        assert await COMMENTS.of(db).count_documents({}) == 0

    async def test_commenting_on_a_closed_consultation_is_refused(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        closed = await make_open(db, city["housing"])
        await CONSULTATIONS.of(db).update_one({"_id": closed["_id"]}, {"$set": {"stage": "CLOSED"}})
        # Past its closing time but not yet swept: closed all the same.
        lapsed = await make_open(db, city["housing"])
        await CONSULTATIONS.of(db).update_one(
            {"_id": lapsed["_id"]}, {"$set": {"closes_at": utcnow() - dt.timedelta(seconds=1)}}
        )
        _, headers = await citizen(db)

        for consultation in (closed, lapsed):
            result = await mutate(gql, SUBMIT, comment_input(consultation), headers)
            assert result == {
                "__typename": "WrongStageError",
                "code": "WRONG_STAGE",
                "message": "only a consultation that is OPEN can be commented on; this one is CLOSED",
                "field": None,
            }
        assert await COMMENTS.of(db).count_documents({}) == 0

    async def test_staff_and_nobody_signed_in_may_not_comment(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        _, official = await staff(db, "li@housing.example.cn", Role.OFFICIAL, "housing")

        as_official = await mutate(gql, SUBMIT, comment_input(consultation), official)
        anonymous = await mutate(gql, SUBMIT, comment_input(consultation), {})

        assert as_official["message"] == "only citizen may do this"
        assert anonymous["message"] == "sign in first"


class TestPremoderated:
    async def test_a_comment_waits_uncounted_and_only_its_author_sees_it(
        self, gql: GraphQLClient, db
    ) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"], premoderated=True)
        _, author = await citizen(db, "+8613800000001")
        _, other = await citizen(db, "+8613800000002")

        comment = await submit(gql, consultation, author, clauseId="c2")

        assert comment["status"] == "PENDING"
        assert await counters(db, consultation) == {
            "comments": 0,
            "commenters": 0,
            "stances": {"SUPPORT": 0, "OPPOSE": 0, "SUGGESTION": 0},
            "clauses": {},
        }
        variables = {"id": gid("Consultation", consultation)}
        mine = await run(gql, COMMENTS_PAGE, variables, author)
        theirs = await run(gql, COMMENTS_PAGE, variables, other)
        assert [e["node"]["status"] for e in mine["consultationComments"]["edges"]] == ["PENDING"]
        assert theirs["consultationComments"]["edges"] == []
        assert (await run(gql, NODE, {"id": comment["id"]}, other))["node"] is None
        assert (await run(gql, NODE, {"id": comment["id"]}, author))["node"]["status"] == "PENDING"


class TestAssistedSubmission:
    async def test_a_helper_enrols_a_new_citizen_and_records_the_channel(
        self, gql: GraphQLClient, db
    ) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        helper, headers = await staff(db, "wang@hotline.example.cn", Role.HELPER)

        result = await mutate(
            gql,
            SUBMIT_ON_BEHALF,
            {
                **comment_input(consultation, text="老人充电不方便，希望保留一楼充电点。"),
                "phoneNumber": "+86 139 0000 1234",
                "channel": "HOTLINE",
            },
            headers,
        )

        comment = result["comment"]
        assert (comment["channel"], comment["viaHelper"], comment["status"]) == ("HOTLINE", True, "PUBLISHED")
        person = await PEOPLE.of(db).find_one({"role": "citizen"})
        assert person is not None and comment["author"] == {"publicName": person["public_name"]}
        assert person["phone"]["last4"] == "1234" and "firebase_uid" not in person
        stored = await stored_comment(db, comment["id"])
        assert (stored["author_id"], stored["helper_id"]) == (person["_id"], helper["_id"])
        # Signing in with that number later finds the same person, and their comment.
        same = await make_citizen(db, "+8613900001234")
        assert same["_id"] == person["_id"]
        mine = await run(gql, MY_COMMENTS, {}, bearer(await sign_in(db, same)))
        assert mine["myComments"]["edges"] == [
            {
                "node": {
                    "text": "老人充电不方便，希望保留一楼充电点。",
                    "status": "PUBLISHED",
                    "viaHelper": True,
                    "consultation": {"title": consultation["title"], "stage": "OPEN"},
                }
            }
        ]

    async def test_a_helper_links_an_existing_citizen(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        person, _ = await citizen(db, "+8613800000009")
        _, headers = await staff(db, "wang@hotline.example.cn", Role.HELPER)

        result = await mutate(
            gql,
            SUBMIT_ON_BEHALF,
            {**comment_input(consultation), "phoneNumber": "+8613800000009", "channel": "IN_PERSON"},
            headers,
        )

        assert (await stored_comment(db, result["comment"]["id"]))["author_id"] == person["_id"]
        assert await PEOPLE.of(db).count_documents({"role": "citizen"}) == 1

    async def test_only_helpers_submit_on_behalf_and_nobody_is_enrolled_for_a_refused_comment(
        self, gql: GraphQLClient, db
    ) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        _, as_citizen = await citizen(db)
        _, helper = await staff(db, "wang@hotline.example.cn", Role.HELPER)
        given = {**comment_input(consultation), "phoneNumber": "+8613800000777", "channel": "SMS"}

        by_citizen = await mutate(gql, SUBMIT_ON_BEHALF, given, as_citizen)
        bad_clause = await mutate(gql, SUBMIT_ON_BEHALF, {**given, "clauseId": "c99"}, helper)

        assert by_citizen["message"] == "only helper may do this"
        assert bad_clause["field"] == "clauseId"
        assert await PEOPLE.of(db).count_documents({"role": "citizen"}) == 1  # only the one signed in


class TestEdit:
    async def test_the_author_edits_within_the_window(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        _, headers = await citizen(db)
        comment = await submit(gql, consultation, headers)

        result = await mutate(
            gql, EDIT, {"commentId": comment["id"], "text": "建议在东门和西门各增设充电桩。"}, headers
        )

        assert result["comment"]["text"] == "建议在东门和西门各增设充电桩。"
        assert result["comment"]["editedAt"] is not None

    async def test_an_edit_that_holds_a_published_comment_stops_it_counting(
        self, gql: GraphQLClient, db
    ) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        _, headers = await citizen(db)
        comment = await submit(gql, consultation, headers, clauseId="c2", stance="OPPOSE")

        result = await mutate(
            gql, EDIT, {"commentId": comment["id"], "text": "有事打我电话13812345678。"}, headers
        )

        assert result["comment"]["status"] == "PENDING"
        figures = await run(gql, COUNTERS, {"id": gid("Consultation", consultation)}, headers)
        assert figures["consultation"]["counters"] == {
            "commentCount": 0,
            "commenterCount": 0,
            "byStance": {"support": 0, "oppose": 0, "suggestion": 0},
            "byClause": [],
        }

    async def test_a_citizen_may_not_edit_someone_elses_comment(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        _, author = await citizen(db, "+8613800000001")
        _, other = await citizen(db, "+8613800000002")
        comment = await submit(gql, consultation, author)

        result = await mutate(gql, EDIT, {"commentId": comment["id"], "text": "被别人改了"}, other)

        assert result == {
            "__typename": "ForbiddenError",
            "code": "FORBIDDEN",
            "message": "only its author can edit a comment",
            "field": None,
        }
        assert (await stored_comment(db, comment["id"]))["text"] == "建议在小区东门增设充电桩。"

    async def test_after_15_minutes_or_a_reply_the_comment_is_locked(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        _, headers = await citizen(db)
        _, official = await staff(db, "li@housing.example.cn", Role.OFFICIAL, "housing")
        old = await submit(gql, consultation, headers)
        answered = await submit(gql, consultation, headers)
        stored = await stored_comment(db, old["id"])
        await COMMENTS.of(db).update_one(
            {"_id": stored["_id"]}, {"$set": {"created_at": utcnow() - dt.timedelta(minutes=16)}}
        )
        await mutate(gql, REPLY, {"commentId": answered["id"], "text": "感谢建议，我们会研究。"}, official)

        too_late = await mutate(gql, EDIT, {"commentId": old["id"], "text": "改一下"}, headers)
        replied = await mutate(gql, EDIT, {"commentId": answered["id"], "text": "改一下"}, headers)

        assert too_late == {
            "__typename": "EditWindowClosedError",
            "code": "EDIT_WINDOW_CLOSED",
            "message": "a comment can be edited only in the first 15 minutes after posting",
            "field": None,
        }
        assert replied["code"] == "EDIT_WINDOW_CLOSED"
        assert replied["message"] == "an official has replied to this comment, so it can no longer be edited"


class TestDelete:
    async def test_a_tombstone_keeps_the_reply_and_the_figures_drop(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        _, headers = await citizen(db)
        _, official = await staff(db, "li@housing.example.cn", Role.OFFICIAL, "housing")
        comment = await submit(gql, consultation, headers, clauseId="c2", stance="OPPOSE")
        await mutate(gql, REPLY, {"commentId": comment["id"], "text": "已记录您的意见。"}, official)

        result = await mutate(gql, DELETE, {"commentId": comment["id"]}, headers)

        deleted = result["comment"]
        assert (deleted["status"], deleted["text"], deleted["author"]) == ("DELETED", None, None)
        page = await run(gql, COMMENTS_PAGE, {"id": gid("Consultation", consultation)}, {})
        (edge,) = page["consultationComments"]["edges"]
        assert edge["node"]["reply"]["text"] == "已记录您的意见。" and edge["node"]["text"] is None
        assert await counters(db, consultation) == {
            "comments": 0,
            "commenters": 0,
            "stances": {"SUPPORT": 0, "OPPOSE": 0, "SUGGESTION": 0},
            "clauses": {"c2": 0},
        }

    async def test_only_the_author_deletes(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        _, author = await citizen(db, "+8613800000001")
        _, other = await citizen(db, "+8613800000002")
        comment = await submit(gql, consultation, author)

        result = await mutate(gql, DELETE, {"commentId": comment["id"]}, other)

        assert result["message"] == "only its author can delete a comment"
        assert (await stored_comment(db, comment["id"]))["status"] == "PUBLISHED"


class TestAgree:
    async def test_agreeing_twice_takes_it_back(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        _, author = await citizen(db, "+8613800000001")
        _, reader = await citizen(db, "+8613800000002")
        comment = await submit(gql, consultation, author)
        agree = {"commentId": comment["id"]}

        first = await mutate(gql, TOGGLE_AGREE, agree, reader)
        page = await run(gql, COMMENTS_PAGE, {"id": gid("Consultation", consultation)}, reader)
        second = await mutate(gql, TOGGLE_AGREE, agree, reader)

        assert first == {"__typename": "AgreeToggled", "agreed": True, "agreeCount": 1}
        node = page["consultationComments"]["edges"][0]["node"]
        assert (node["agreeCount"], node["agreedByMe"]) == (1, True)
        assert second == {"__typename": "AgreeToggled", "agreed": False, "agreeCount": 0}
        assert await COMMENT_AGREES.of(db).count_documents({}) == 0

    async def test_nobody_agrees_with_their_own_comment(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        _, author = await citizen(db)
        comment = await submit(gql, consultation, author)

        result = await mutate(gql, TOGGLE_AGREE, {"commentId": comment["id"]}, author)

        assert result["message"] == "you cannot agree with your own comment"
        assert (await stored_comment(db, comment["id"]))["agree_count"] == 0


class TestReply:
    async def test_an_official_of_the_department_answers_and_the_author_is_told(
        self, gql: GraphQLClient, db
    ) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        author, headers = await citizen(db)
        official, official_headers = await staff(db, "li@housing.example.cn", Role.OFFICIAL, "housing")
        comment = await submit(gql, consultation, headers)

        result = await mutate(
            gql, REPLY, {"commentId": comment["id"], "text": "东门将增设充电桩。"}, official_headers
        )

        assert result["comment"]["reply"] == {
            "text": "东门将增设充电桩。",
            "official": {"publicName": official["public_name"]},
        }
        (event,) = await OUTBOX.of(db).find({"kind": "consultation.comment_replied"}).to_list()
        assert event["payload"]["person_id"] == author["_id"]

    async def test_an_official_of_another_department_may_not(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        _, headers = await citizen(db)
        _, transport = await staff(db, "zhao@transport.example.cn", Role.OFFICIAL, "transport")
        comment = await submit(gql, consultation, headers)

        result = await mutate(gql, REPLY, {"commentId": comment["id"], "text": "我们来答复"}, transport)

        assert result == {
            "__typename": "ForbiddenError",
            "code": "FORBIDDEN",
            "message": "only officials of 住建局 (or admins) may do this",
            "field": None,
        }
        assert (await stored_comment(db, comment["id"]))["reply"] is None


class TestHiddenFromOthers:
    """What a person may not see is answered word for word as an unknown id."""

    async def test_a_draft_is_an_unknown_consultation_to_commenters(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        draft = await make_draft(db, city["housing"])
        _, as_citizen = await citizen(db)
        _, helper = await staff(db, "wang@hotline.example.cn", Role.HELPER)
        unknown = {**comment_input(draft), "consultationId": gid("Consultation", ObjectId())}
        on_behalf = {"phoneNumber": "+8613800000777", "channel": "HOTLINE"}

        hidden = await mutate(gql, SUBMIT, comment_input(draft), as_citizen)
        missing = await mutate(gql, SUBMIT, unknown, as_citizen)
        hidden_for_helper = await mutate(gql, SUBMIT_ON_BEHALF, {**comment_input(draft), **on_behalf}, helper)
        missing_for_helper = await mutate(gql, SUBMIT_ON_BEHALF, {**unknown, **on_behalf}, helper)

        assert hidden["__typename"] == "NotFoundError"
        assert hidden == missing
        assert hidden_for_helper == missing_for_helper == missing
        assert await COMMENTS.of(db).count_documents({}) == 0

    async def test_a_held_comment_is_an_unknown_comment_to_other_citizens(
        self, gql: GraphQLClient, db
    ) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"], premoderated=True)
        _, author = await citizen(db, "+8613800000001")
        _, other = await citizen(db, "+8613800000002")
        held = await submit(gql, consultation, author)
        unknown = gid("Comment", ObjectId())

        for document, fields in ((EDIT, {"text": "被别人改了"}), (DELETE, {}), (TOGGLE_AGREE, {})):
            hidden = await mutate(gql, document, {"commentId": held["id"], **fields}, other)
            missing = await mutate(gql, document, {"commentId": unknown, **fields}, other)
            assert hidden["__typename"] == "NotFoundError", document
            assert hidden == missing
        stored = await stored_comment(db, held["id"])
        assert (stored["status"], stored["text"]) == ("PENDING", "建议在小区东门增设充电桩。")
        assert await COMMENT_AGREES.of(db).count_documents({}) == 0

    async def test_a_held_comment_is_an_unknown_comment_to_another_department(
        self, gql: GraphQLClient, db
    ) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"], premoderated=True)
        _, author = await citizen(db)
        _, transport = await staff(db, "zhao@transport.example.cn", Role.OFFICIAL, "transport")
        held = await submit(gql, consultation, author)

        hidden = await mutate(gql, REPLY, {"commentId": held["id"], "text": "我们来答复"}, transport)
        missing = await mutate(
            gql, REPLY, {"commentId": gid("Comment", ObjectId()), "text": "我们来答复"}, transport
        )

        assert hidden["__typename"] == "NotFoundError"
        assert hidden == missing
        assert (await stored_comment(db, held["id"]))["reply"] is None

    async def test_the_author_is_still_told_why(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"], premoderated=True)
        _, author = await citizen(db)
        held = await submit(gql, consultation, author)

        result = await mutate(gql, TOGGLE_AGREE, {"commentId": held["id"]}, author)

        assert result["__typename"] == "ConflictError"
        assert result["message"] == "only a published comment can be agreed with"
