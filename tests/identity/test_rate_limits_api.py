"""Rate limits on sign-in and mutations: across two app instances sharing the database, and per person."""

from __future__ import annotations

from bson import ObjectId
from pymongo import AsyncMongoClient
from strawberry.relay import to_base64

from models.common.db import connect
from tests.support.factories import bearer, make_citizen, sign_in
from tests.support.graphql_client import client_for, running_app, settings_for_tests

LOG_IN = """
mutation ($email: String!, $password: String!) {
  logInStaff(email: $email, password: $password) {
    __typename
    ... on UserError { code message }
    ... on RateLimitedError { retryAfter }
  }
}
"""
WRONG = {"email": "nobody@example.cn", "password": "not the password at all"}


class TestAcrossInstances:
    async def test_sign_in_attempts_from_one_address_are_counted_by_both_instances(
        self, db, mongodb_uri: str
    ) -> None:
        settings = settings_for_tests(rate_limits="signIn.address=3/60s")
        other_client: AsyncMongoClient = connect(mongodb_uri)
        try:
            async with (
                running_app(db, settings) as first_app,
                running_app(other_client[db.name], settings) as second_app,
                client_for(first_app) as first,
                client_for(second_app) as second,
            ):
                # An e-mail each: one e-mail's own back-off (unknown e-mails have one too) stays out of it.
                outcomes = [
                    (await client.data(LOG_IN, {**WRONG, "email": f"nobody{n}@example.cn"}))["logInStaff"]
                    for n, client in enumerate((first, second, first, second))
                ]
        finally:
            await other_client.close()

        assert [o["__typename"] for o in outcomes] == ["InvalidCredentialsError"] * 3 + ["RateLimitedError"]
        assert outcomes[3]["code"] == "RATE_LIMITED"
        assert 1 <= outcomes[3]["retryAfter"] <= 120  # within two windows (sliding approximation)

    async def test_attempts_at_one_account_are_limited_whatever_the_address(self, db) -> None:
        # The rate limit answers before the e-mail's own back-off is consulted.
        settings = settings_for_tests(rate_limits="signIn.account=2/60s")
        guess = {"email": "ghost@example.cn", "password": "not the password at all"}
        async with running_app(db, settings) as app, client_for(app) as gql:
            third = None
            for _ in range(3):
                third = (await gql.data(LOG_IN, guess))["logInStaff"]

        assert third is not None and third["__typename"] == "RateLimitedError"
        assert third["message"].startswith("too many attempts; try again in")


SUBMIT_COMMENT = """
mutation ($input: SubmitCommentInput!) {
  submitComment(input: $input) { __typename ... on UserError { code } }
}
"""


class TestPerPerson:
    async def test_one_person_is_limited_whatever_address_they_come_from(self, db) -> None:
        # The proxy is believed, so each request comes from an address of its own.
        settings = settings_for_tests(rate_limits="mutation.person=2/60s", trusted_proxies=("127.0.0.1",))
        signed_in = bearer(await sign_in(db, await make_citizen(db)))
        unknown = to_base64("Consultation", str(ObjectId()))
        comment = {"input": {"consultationId": unknown, "stance": "SUPPORT", "text": "支持这个办法"}}
        answers = []
        async with running_app(db, settings) as app, client_for(app) as gql:
            for n in range(3):
                headers = {**signed_in, "x-forwarded-for": f"203.0.113.{n}"}
                response = await gql.execute(SUBMIT_COMMENT, comment, headers=headers)
                answers.append(response.data["submitComment"]["__typename"])

        assert answers == ["NotFoundError", "NotFoundError", "RateLimitedError"]
