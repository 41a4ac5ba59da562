"""Sessions through the API: me, profile changes, refresh rotation, sign-out, and refused tokens."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from httpx_ws import WebSocketDisconnect

from models.common.actors import Role
from models.common.clock import utcnow
from models.identity.documents import PEOPLE
from models.identity.tokens import issue_access_token
from tests.support.factories import bearer, make_citizen, sign_in
from tests.support.graphql_client import GraphQLClient, settings_for_tests

ME = """
{ me { phoneLast4 email person { publicName role } preferences { language largeText district { code } } } }
"""
UPDATE_ME = """
mutation ($input: UpdateMeInput!) {
  updateMe(input: $input) {
    __typename
    ... on UserError { code message field }
    ... on MeUpdated { me { person { publicName } preferences { language largeText district { code } } } }
  }
}
"""
REFRESH = """
mutation ($token: String!) {
  refreshSession(refreshToken: $token) {
    __typename
    ... on UserError { code message }
    ... on SignedIn { accessToken refreshToken me { phoneLast4 } }
  }
}
"""
SIGN_OUT = """
mutation ($everywhere: Boolean!) {
  signOut(everywhere: $everywhere) { __typename ... on SignedOut { sessionsEnded } }
}
"""


class TestMe:
    async def test_nobody_signed_in_is_null(self, gql: GraphQLClient) -> None:
        assert await gql.data(ME) == {"me": None}

    async def test_a_citizen_sees_their_own_profile(self, gql: GraphQLClient, db) -> None:
        session = await sign_in(db, await make_citizen(db, "+8613912345678"))

        response = await gql.execute(ME, headers=bearer(session))

        me = response.data["me"]
        assert me["phoneLast4"] == "5678"
        assert me["email"] is None
        assert me["person"]["role"] == "CITIZEN"
        assert me["person"]["publicName"].startswith("市民")
        assert me["preferences"] == {"language": "zh", "largeText": False, "district": None}


class TestUpdateMe:
    async def test_changes_name_language_text_size_and_district(self, gql: GraphQLClient, db) -> None:
        await make_district(db)
        session = await sign_in(db, await make_citizen(db))
        changes = {
            "publicName": "  东湖  老王 ",
            "language": "en",
            "largeText": True,
            "districtCode": "donghu",
        }

        response = await gql.execute(UPDATE_ME, {"input": changes}, headers=bearer(session))

        assert response.data["updateMe"]["me"] == {
            "person": {"publicName": "东湖 老王"},
            "preferences": {"language": "en", "largeText": True, "district": {"code": "donghu"}},
        }

    async def test_a_bad_field_changes_nothing(self, gql: GraphQLClient, db) -> None:
        citizen = await make_citizen(db)
        session = await sign_in(db, citizen)

        response = await gql.execute(
            UPDATE_ME, {"input": {"publicName": "新名字", "language": "fr"}}, headers=bearer(session)
        )

        assert response.data["updateMe"] == {
            "__typename": "InvalidInputError",
            "code": "INVALID_INPUT",
            "message": "language is one of zh, en",
            "field": "language",
        }
        stored = await PEOPLE.of(db).find_one({"_id": citizen["_id"]})
        assert stored["public_name"] == citizen["public_name"]

    async def test_an_unknown_district_is_not_found(self, gql: GraphQLClient, db) -> None:
        session = await sign_in(db, await make_citizen(db))

        response = await gql.execute(
            UPDATE_ME, {"input": {"districtCode": "atlantis"}}, headers=bearer(session)
        )

        assert response.data["updateMe"]["__typename"] == "NotFoundError"
        assert response.data["updateMe"]["field"] == "districtCode"

    async def test_nobody_signed_in_is_forbidden(self, gql: GraphQLClient) -> None:
        response = await gql.execute(UPDATE_ME, {"input": {"language": "en"}})

        assert response.data["updateMe"]["__typename"] == "ForbiddenError"


class TestRefreshSession:
    async def test_rotation_gives_new_tokens_that_work(self, gql: GraphQLClient, db) -> None:
        session = await sign_in(db, await make_citizen(db, "+8613800001111"))

        refreshed = (await gql.data(REFRESH, {"token": session.refresh_token}))["refreshSession"]
        me = await gql.execute(ME, headers={"authorization": f"Bearer {refreshed['accessToken']}"})

        assert refreshed["__typename"] == "SignedIn"
        assert refreshed["refreshToken"] != session.refresh_token
        assert refreshed["me"] == {"phoneLast4": "1111"}
        assert me.data["me"]["phoneLast4"] == "1111"

    async def test_reusing_a_refresh_token_ends_the_whole_session(self, gql: GraphQLClient, db) -> None:
        session = await sign_in(db, await make_citizen(db))
        newer = (await gql.data(REFRESH, {"token": session.refresh_token}))["refreshSession"]

        reuse = (await gql.data(REFRESH, {"token": session.refresh_token}))["refreshSession"]
        after = (await gql.data(REFRESH, {"token": newer["refreshToken"]}))["refreshSession"]
        access = await gql.execute(ME, headers={"authorization": f"Bearer {newer['accessToken']}"})

        assert reuse["__typename"] == "InvalidTokenError"
        assert "reused" in reuse["message"]
        assert after["__typename"] == "InvalidTokenError"
        assert access.status == 401
        assert access.errors[0]["message"] == "this session has ended; sign in again"

    async def test_refreshing_a_disabled_accounts_session_ends_it(self, gql: GraphQLClient, db) -> None:
        citizen = await make_citizen(db)
        session = await sign_in(db, citizen)
        await PEOPLE.of(db).update_one({"_id": citizen["_id"]}, {"$set": {"status": "disabled"}})

        refused = (await gql.data(REFRESH, {"token": session.refresh_token}))["refreshSession"]
        # Enabled again, the account does not get that session back: it ended with the refusal.
        await PEOPLE.of(db).update_one({"_id": citizen["_id"]}, {"$set": {"status": "active"}})
        access = await gql.execute(ME, headers=bearer(session))

        assert refused["__typename"] == "InvalidTokenError"
        assert access.status == 401
        assert access.errors[0]["message"] == "this session has ended; sign in again"

    async def test_an_unknown_refresh_token_is_refused(self, gql: GraphQLClient) -> None:
        result = (await gql.data(REFRESH, {"token": "made-up"}))["refreshSession"]

        assert result == {
            "__typename": "InvalidTokenError",
            "code": "INVALID_TOKEN",
            "message": result["message"],
        }
        assert result["message"] == "refresh token is not recognised"


class TestSignOut:
    async def test_signing_out_ends_this_session_only(self, gql: GraphQLClient, db) -> None:
        citizen = await make_citizen(db)
        phone, tablet = await sign_in(db, citizen), await sign_in(db, citizen)

        result = await gql.execute(SIGN_OUT, {"everywhere": False}, headers=bearer(phone))

        assert result.data["signOut"] == {"__typename": "SignedOut", "sessionsEnded": 1}
        assert (await gql.execute(ME, headers=bearer(phone))).status == 401
        assert (await gql.execute(ME, headers=bearer(tablet))).data["me"]["phoneLast4"] == "8000"

    async def test_signing_out_everywhere_ends_every_session(self, gql: GraphQLClient, db) -> None:
        citizen = await make_citizen(db)
        phone, tablet = await sign_in(db, citizen), await sign_in(db, citizen)

        result = await gql.execute(SIGN_OUT, {"everywhere": True}, headers=bearer(phone))

        assert result.data["signOut"]["sessionsEnded"] == 2
        assert (await gql.execute(ME, headers=bearer(tablet))).status == 401
        refresh = (await gql.data(REFRESH, {"token": tablet.refresh_token}))["refreshSession"]
        assert refresh["__typename"] == "InvalidTokenError"


class TestRefusedAccessTokens:
    async def refused(self, gql: GraphQLClient, token: str, message: str) -> None:
        response = await gql.execute(ME, headers={"authorization": f"Bearer {token}"})

        assert response.status == 401
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
        assert response.body == {"errors": [{"message": message, "extensions": {"code": "INVALID_TOKEN"}}]}

    async def test_alg_none(self, gql: GraphQLClient, db) -> None:
        citizen = await make_citizen(db)
        token = jwt.encode(claims_for(citizen), key=None, algorithm="none")

        await self.refused(gql, token, "access token uses an unsupported signing algorithm")

    async def test_hs256_signed_with_the_public_key(self, gql: GraphQLClient, db) -> None:
        citizen = await make_citizen(db)
        keys = settings_for_tests().token_policy().keys
        public = keys.active.private_key.public_key().public_bytes(
            Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
        )
        token = forge_hs256(claims_for(citizen), public, keys.active.kid)

        await self.refused(gql, token, "access token uses an unsupported signing algorithm")

    async def test_signed_by_another_key_under_our_kid(self, gql: GraphQLClient, db) -> None:
        citizen = await make_citizen(db)
        kid = settings_for_tests().token_policy().keys.active.kid
        token = jwt.encode(
            claims_for(citizen),
            Ed25519PrivateKey.generate(),
            algorithm="EdDSA",
            headers={"kid": kid, "typ": "at+jwt"},
        )

        await self.refused(gql, token, "access token signature is invalid")

    async def test_wrong_audience(self, gql: GraphQLClient, db) -> None:
        session = await sign_in(db, await make_citizen(db))
        policy = settings_for_tests().token_policy()
        token = issue(policy, session, audience="another-app")

        await self.refused(gql, token, "access token is meant for another audience")

    async def test_expired(self, gql: GraphQLClient, db) -> None:
        session = await sign_in(db, await make_citizen(db))
        token = issue(settings_for_tests().token_policy(), session, now=utcnow() - dt.timedelta(hours=1))

        await self.refused(gql, token, "access token has expired")

    async def test_not_yet_valid(self, gql: GraphQLClient, db) -> None:
        session = await sign_in(db, await make_citizen(db))
        token = issue(settings_for_tests().token_policy(), session, now=utcnow() + dt.timedelta(hours=1))

        await self.refused(gql, token, "access token is not valid yet")

    async def test_one_persons_session_with_another_persons_subject(self, gql: GraphQLClient, db) -> None:
        victim = await make_citizen(db, "+8613800138001")
        attacker = await sign_in(db, await make_citizen(db, "+8613800138002"))
        policy = settings_for_tests().token_policy()
        token = issue_access_token(
            policy.keys,
            subject=str(victim["_id"]),
            role=Role.CITIZEN,
            department_id=None,
            session_id=session_id_of(attacker),
            issuer=policy.issuer,
            audience=policy.audience,
        )

        await self.refused(gql, token, "this session has ended; sign in again")

    async def test_a_lifetime_longer_than_the_configured_ttl(self, gql: GraphQLClient, db) -> None:
        session = await sign_in(db, await make_citizen(db))
        policy = settings_for_tests().token_policy()
        token = issue(policy, session, ttl=policy.access_ttl + dt.timedelta(seconds=1))

        await self.refused(gql, token, "access token lives longer than this server issues them")

    async def test_a_lifetime_of_exactly_the_configured_ttl(self, gql: GraphQLClient, db) -> None:
        session = await sign_in(db, await make_citizen(db))
        policy = settings_for_tests().token_policy()

        response = await gql.execute(ME, headers={"authorization": f"Bearer {issue(policy, session)}"})

        assert response.status == 200 and response.data["me"]["phoneLast4"] == "8000"

    async def test_a_disabled_account(self, gql: GraphQLClient, db) -> None:
        citizen = await make_citizen(db)
        session = await sign_in(db, citizen)
        await PEOPLE.of(db).update_one({"_id": citizen["_id"]}, {"$set": {"status": "disabled"}})

        await self.refused(
            gql,
            session.access_token,
            "this account is disabled or deleted; sign in again or contact the service desk",
        )

    async def test_a_deleted_person(self, gql: GraphQLClient, db) -> None:
        citizen = await make_citizen(db)
        session = await sign_in(db, citizen)
        await PEOPLE.of(db).delete_one({"_id": citizen["_id"]})

        await self.refused(
            gql,
            session.access_token,
            "this account is disabled or deleted; sign in again or contact the service desk",
        )

    async def test_not_a_bearer_token(self, gql: GraphQLClient) -> None:
        response = await gql.execute(ME, headers={"authorization": "Basic dXNlcjpwYXNz"})

        assert response.status == 401
        assert response.errors[0]["message"] == "Send the access token as 'Authorization: Bearer <token>'."

    async def test_a_refused_token_runs_no_mutation(self, gql: GraphQLClient, db) -> None:
        citizen = await make_citizen(db)
        token = jwt.encode(claims_for(citizen), key=None, algorithm="none")

        response = await gql.execute(
            UPDATE_ME, {"input": {"publicName": "黑客"}}, headers={"authorization": f"Bearer {token}"}
        )

        assert response.status == 401
        stored = await PEOPLE.of(db).find_one({"_id": citizen["_id"]})
        assert stored["public_name"] == citizen["public_name"]


class TestSubscriptionsAuthenticate:
    async def test_a_valid_token_in_connection_init_is_accepted(self, gql: GraphQLClient, db) -> None:
        session = await sign_in(db, await make_citizen(db))

        async with gql.websocket() as socket:
            assert await socket.init({"authorization": f"Bearer {session.access_token}"}) == {
                "type": "connection_ack"
            }

    async def test_a_bad_token_in_connection_init_closes_the_socket(self, gql: GraphQLClient) -> None:
        async with gql.websocket() as socket:
            await socket.send({"type": "connection_init", "payload": {"authorization": "Bearer nonsense"}})
            with pytest.raises(WebSocketDisconnect) as closed:
                await socket.receive(timeout=5)

        assert closed.value.code == 4403


def claims_for(person: dict, **overrides: object) -> dict:
    now = int(utcnow().timestamp())
    policy = settings_for_tests().token_policy()
    return {
        "iss": policy.issuer,
        "aud": policy.audience,
        "sub": str(person["_id"]),
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": "x",
        "role": "citizen",
        "dept": None,
        "sid": "s",
        **overrides,
    }


def forge_hs256(claims: dict, secret: bytes, kid: str) -> str:
    """The classic confusion attack: HMAC 'signed' with the public key; PyJWT refuses to make it."""
    import base64
    import hashlib
    import hmac
    import json

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = part(json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": kid}).encode())
    payload = part(json.dumps(claims).encode())
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{part(signature)}"


def issue(
    policy,
    session,
    *,
    audience: str | None = None,
    now: dt.datetime | None = None,
    ttl: dt.timedelta | None = None,
) -> str:
    person = session.person
    return issue_access_token(
        policy.keys,
        subject=str(person["_id"]),
        role=Role.CITIZEN,
        department_id=None,
        session_id=session_id_of(session),
        issuer=policy.issuer,
        audience=audience or policy.audience,
        ttl=ttl or policy.access_ttl,
        now=now,
    )


def session_id_of(session) -> str:
    return jwt.decode(session.access_token, options={"verify_signature": False})["sid"]


async def make_district(db) -> None:
    from models.common.actors import COMMAND_LINE
    from models.districts.service import NewDistrict, create_district

    await create_district(db, COMMAND_LINE, NewDistrict(code="donghu", name_zh="东湖区"))


class TestAuthenticationCost:
    async def test_me_reads_the_person_once(self, gql: GraphQLClient, db, command_log) -> None:
        session = await sign_in(db, await make_citizen(db))

        with command_log.count() as used:
            response = await gql.execute(ME, headers=bearer(session))

        assert response.data["me"]["phoneLast4"] == "8000"
        # The session's family, then the person (which then also serves `me`).
        assert used.commands == [("find", "refresh_token_families"), ("find", "people")]
