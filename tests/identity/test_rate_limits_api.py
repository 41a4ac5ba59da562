"""Rate limits on sign-in and mutations hold across two app instances sharing the database."""

from __future__ import annotations

from pymongo import AsyncMongoClient

from models.common.db import connect
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
                outcomes = [
                    (await client.data(LOG_IN, WRONG))["logInStaff"]
                    for client in (first, second, first, second)
                ]
        finally:
            await other_client.close()

        assert [o["__typename"] for o in outcomes] == ["InvalidCredentialsError"] * 3 + ["RateLimitedError"]
        assert outcomes[3]["code"] == "RATE_LIMITED"
        assert 1 <= outcomes[3]["retryAfter"] <= 120  # within two windows (sliding approximation)

    async def test_attempts_at_one_account_are_limited_whatever_the_address(self, db) -> None:
        # An unknown e-mail: no per-account back-off applies, only the rate limit.
        settings = settings_for_tests(rate_limits="signIn.account=2/60s")
        guess = {"email": "ghost@example.cn", "password": "not the password at all"}
        async with running_app(db, settings) as app, client_for(app) as gql:
            third = None
            for _ in range(3):
                third = (await gql.data(LOG_IN, guess))["logInStaff"]

        assert third is not None and third["__typename"] == "RateLimitedError"
        assert third["message"].startswith("too many attempts; try again in")
