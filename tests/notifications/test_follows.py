"""Follows through the API: departments, topics, districts and consultations; who follows what."""

from __future__ import annotations

from bson import ObjectId
from strawberry.relay import to_base64

from models.notifications import follows, repository
from models.notifications.documents import FOLLOWS
from tests.consultations.comment_support import citizen, gid, mutate, run
from tests.consultations.drafts import make_city, make_draft, make_open
from tests.support.graphql_client import GraphQLClient

FOLLOW = """
mutation ($input: FollowInput!) { follow(input: $input) {
  __typename
  ... on UserError { code message field }
  ... on Followed { follow { targetKind target { __typename id } } }
} }
"""
UNFOLLOW = """
mutation ($input: UnfollowInput!) { unfollow(input: $input) {
  __typename ... on UserError { code message field } ... on Unfollowed { targetId wasFollowing }
} }
"""
MY_FOLLOWS = """
query ($first: Int, $after: String) { myFollows(first: $first, after: $after) {
  edges { node { targetKind target { __typename id ... on Department { code } ... on Topic { code } } } }
  pageInfo { hasNextPage endCursor }
} }
"""


async def test_following_a_department_and_a_topic(gql: GraphQLClient, db) -> None:
    city = await make_city(db)
    person, headers = await citizen(db)
    housing, topic = gid("Department", city["housing"]), gid("Topic", city["e-bikes"])

    followed = await mutate(gql, FOLLOW, {"targetId": housing}, headers)
    await mutate(gql, FOLLOW, {"targetId": topic}, headers)
    again = await mutate(gql, FOLLOW, {"targetId": housing}, headers)

    assert followed == {
        "__typename": "Followed",
        "follow": {"targetKind": "department", "target": {"__typename": "Department", "id": housing}},
    }
    assert again == followed
    listed = (await run(gql, MY_FOLLOWS, {}, headers))["myFollows"]["edges"]
    assert [edge["node"] for edge in listed] == [
        {
            "targetKind": "department",
            "target": {"__typename": "Department", "id": housing, "code": "housing"},
        },
        {"targetKind": "topic", "target": {"__typename": "Topic", "id": topic, "code": "e-bikes"}},
    ]
    stored = await FOLLOWS.of(db).find({}).to_list()
    assert sorted(d["target_key"] for d in stored) == [
        f"department:{city['housing']['_id']}",
        f"topic:{city['e-bikes']['_id']}",
    ]
    assert {d["person_id"] for d in stored} == {person["_id"]}


async def test_unfollowing(gql: GraphQLClient, db) -> None:
    city = await make_city(db)
    _, headers = await citizen(db)
    district = gid("District", city["donghu"])
    await mutate(gql, FOLLOW, {"targetId": district}, headers)

    first = await mutate(gql, UNFOLLOW, {"targetId": district}, headers)
    again = await mutate(gql, UNFOLLOW, {"targetId": district}, headers)

    assert (first["wasFollowing"], again["wasFollowing"]) == (True, False)
    assert (await run(gql, MY_FOLLOWS, {}, headers))["myFollows"]["edges"] == []


async def test_ones_follows_are_ones_own_and_paged(gql: GraphQLClient, db) -> None:
    city = await make_city(db)
    _, headers = await citizen(db, "+8613800000001")
    _, other_headers = await citizen(db, "+8613800000002")
    for key in ("housing", "transport", "donghu"):
        kind = "District" if key == "donghu" else "Department"
        await mutate(gql, FOLLOW, {"targetId": gid(kind, city[key])}, headers)
    await mutate(gql, FOLLOW, {"targetId": gid("Topic", city["e-bikes"])}, other_headers)

    first = (await run(gql, MY_FOLLOWS, {"first": 2}, headers))["myFollows"]
    rest = (await run(gql, MY_FOLLOWS, {"first": 2, "after": first["pageInfo"]["endCursor"]}, headers))[
        "myFollows"
    ]

    kinds = [edge["node"]["targetKind"] for edge in first["edges"] + rest["edges"]]
    assert sorted(kinds) == ["department", "department", "district"]
    assert (first["pageInfo"]["hasNextPage"], rest["pageInfo"]["hasNextPage"]) == (True, False)


async def test_a_published_consultation_can_be_followed_but_not_a_draft(gql: GraphQLClient, db) -> None:
    city = await make_city(db)
    published = await make_open(db, city["housing"])
    draft = await make_draft(db, city["housing"])
    _, headers = await citizen(db)

    ok = await mutate(gql, FOLLOW, {"targetId": gid("Consultation", published)}, headers)
    hidden = await mutate(gql, FOLLOW, {"targetId": gid("Consultation", draft)}, headers)

    assert ok["follow"]["targetKind"] == "consultation"
    assert (hidden["__typename"], hidden["field"]) == ("NotFoundError", "targetId")


async def test_an_unknown_target_is_refused(gql: GraphQLClient, db) -> None:
    await make_city(db)
    _, headers = await citizen(db)

    unknown = await mutate(gql, FOLLOW, {"targetId": gid("Department", ObjectId())}, headers)
    not_followable = await mutate(gql, FOLLOW, {"targetId": gid("Comment", ObjectId())}, headers)
    malformed = await mutate(gql, FOLLOW, {"targetId": to_base64("Topic", "not-an-id")}, headers)

    assert (unknown["__typename"], unknown["code"], unknown["field"]) == (
        "NotFoundError",
        "NOT_FOUND",
        "targetId",
    )
    assert (not_followable["__typename"], not_followable["field"]) == ("InvalidInputError", "targetId")
    assert (malformed["__typename"], malformed["field"]) == ("InvalidInputError", "targetId")
    assert await FOLLOWS.of(db).find({}).to_list() == []


async def test_signed_out_following_is_refused(gql: GraphQLClient, db) -> None:
    city = await make_city(db)

    result = await mutate(gql, FOLLOW, {"targetId": gid("Topic", city["e-bikes"])}, {})

    assert result["__typename"] == "ForbiddenError"
    assert (await run(gql, MY_FOLLOWS, {}, {}))["myFollows"] is None


async def test_followers_stream_everyone_following_any_of_the_targets(gql: GraphQLClient, db) -> None:
    city = await make_city(db)
    both, both_headers = await citizen(db, "+8613800000001")
    district_only, district_headers = await citizen(db, "+8613800000002")
    _, elsewhere_headers = await citizen(db, "+8613800000003")
    for headers, targets in (
        (both_headers, [gid("District", city["donghu"]), gid("Topic", city["e-bikes"])]),
        (district_headers, [gid("District", city["donghu"])]),
        (elsewhere_headers, [gid("District", city["xihu"])]),
    ):
        for target in targets:
            await mutate(gql, FOLLOW, {"targetId": target}, headers)
    keys = [
        follows.target_key("district", city["donghu"]["_id"]),
        follows.target_key("topic", city["e-bikes"]["_id"]),
    ]

    district = await repository.followers_after(db, keys[0], None, 10)
    first, rest = district[:1], await repository.followers_after(db, keys[0], district[0], 10)
    topic = await repository.followers_after(db, keys[1], None, 10)

    assert district == sorted([both["_id"], district_only["_id"]])  # in person-id order
    assert first + rest == district  # a walk resumes after the last person done
    assert topic == [both["_id"]]
    assert all(isinstance(person_id, ObjectId) for person_id in district)
