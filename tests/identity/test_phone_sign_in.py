"""Citizens sign in end to end: the Firebase Auth emulator's phone flow, then signInWithFirebase."""

from __future__ import annotations

import httpx

from models.identity.documents import PEOPLE
from tests.support.firebase_emulator import FirebaseAuthEmulator, sign_in_with_phone, unique_phone_number
from tests.support.graphql_client import GraphQLClient

SIGN_IN = """
mutation ($idToken: String!) {
  signInWithFirebase(idToken: $idToken) {
    __typename
    ... on UserError { code message }
    ... on SignedIn { accessToken refreshToken me { phoneLast4 person { id role publicName } } }
  }
}
"""


class TestSignInWithFirebase:
    async def test_a_new_citizen_signs_in_and_is_stored_without_their_number(
        self, gql: GraphQLClient, db, firebase_auth_emulator: FirebaseAuthEmulator
    ) -> None:
        phone = unique_phone_number()
        firebase = await sign_in_with_phone(firebase_auth_emulator, phone)

        result = (await gql.data(SIGN_IN, {"idToken": firebase.id_token}))["signInWithFirebase"]

        assert result["__typename"] == "SignedIn"
        assert result["me"]["phoneLast4"] == phone[-4:]
        assert result["me"]["person"]["role"] == "CITIZEN"
        stored = await PEOPLE.of(db).find_one({"firebase_uid": firebase.uid})
        assert stored is not None
        assert stored["phone"]["last4"] == phone[-4:]
        assert len(stored["phone"]["hash"]) == 64
        assert phone not in str(stored) and phone[1:] not in str(stored)
        me = await gql.execute(
            "{ me { phoneLast4 } }", headers={"authorization": f"Bearer {result['accessToken']}"}
        )
        assert me.data == {"me": {"phoneLast4": phone[-4:]}}

    async def test_signing_in_again_finds_the_same_citizen(
        self, gql: GraphQLClient, db, firebase_auth_emulator: FirebaseAuthEmulator
    ) -> None:
        phone = unique_phone_number()
        first = await gql.data(
            SIGN_IN, {"idToken": (await sign_in_with_phone(firebase_auth_emulator, phone)).id_token}
        )
        again = await gql.data(
            SIGN_IN, {"idToken": (await sign_in_with_phone(firebase_auth_emulator, phone)).id_token}
        )

        assert (
            first["signInWithFirebase"]["me"]["person"]["id"]
            == again["signInWithFirebase"]["me"]["person"]["id"]
        )
        assert await PEOPLE.of(db).count_documents({}) == 1

    async def test_a_forged_token_is_refused_and_creates_nobody(
        self, gql: GraphQLClient, db, firebase_auth_emulator: FirebaseAuthEmulator
    ) -> None:
        result = (await gql.data(SIGN_IN, {"idToken": "eyJhbGciOiJub25lIn0.e30."}))["signInWithFirebase"]

        assert result == {
            "__typename": "InvalidTokenError",
            "code": "INVALID_TOKEN",
            "message": "the Firebase ID token is not valid",
        }
        assert await PEOPLE.of(db).count_documents({}) == 0

    async def test_a_disabled_townhall_account_is_forbidden(
        self, gql: GraphQLClient, db, firebase_auth_emulator: FirebaseAuthEmulator
    ) -> None:
        phone = unique_phone_number()
        await gql.data(
            SIGN_IN, {"idToken": (await sign_in_with_phone(firebase_auth_emulator, phone)).id_token}
        )
        await PEOPLE.of(db).update_many({}, {"$set": {"status": "disabled"}})

        token = (await sign_in_with_phone(firebase_auth_emulator, phone)).id_token
        result = (await gql.data(SIGN_IN, {"idToken": token}))["signInWithFirebase"]

        assert result["__typename"] == "ForbiddenError"
        assert result["message"] == "this account is disabled; contact the service desk"

    async def test_a_firebase_sign_in_without_a_phone_is_refused(
        self, gql: GraphQLClient, db, firebase_auth_emulator: FirebaseAuthEmulator
    ) -> None:
        async with httpx.AsyncClient(timeout=10) as http:
            signed_up = await http.post(
                firebase_auth_emulator.client_url("accounts:signUp"),
                json={"email": "someone@example.cn", "password": "whatever-123", "returnSecureToken": True},
            )
        id_token = signed_up.json()["idToken"]

        result = (await gql.data(SIGN_IN, {"idToken": id_token}))["signInWithFirebase"]

        assert result == {
            "__typename": "InvalidTokenError",
            "code": "INVALID_TOKEN",
            "message": "sign in with a phone number",
        }
        assert await PEOPLE.of(db).count_documents({}) == 0


class TestOtherPeoplesData:
    async def test_another_person_shows_only_their_public_name_and_role(
        self, gql: GraphQLClient, db, firebase_auth_emulator: FirebaseAuthEmulator
    ) -> None:
        phone = unique_phone_number()
        first = await gql.data(
            SIGN_IN, {"idToken": (await sign_in_with_phone(firebase_auth_emulator, phone)).id_token}
        )
        their_id = first["signInWithFirebase"]["me"]["person"]["id"]
        other = await gql.data(
            SIGN_IN,
            {"idToken": (await sign_in_with_phone(firebase_auth_emulator, unique_phone_number())).id_token},
        )
        token = other["signInWithFirebase"]["accessToken"]

        seen = await gql.execute(
            "query ($id: ID!) { node(id: $id) { ... on Person { publicName role } } }",
            {"id": their_id},
            headers={"authorization": f"Bearer {token}"},
        )
        asking_for_more = await gql.execute(
            "query ($id: ID!) { node(id: $id) { ... on Person { phoneLast4 } } }", {"id": their_id}
        )

        assert seen.data["node"]["role"] == "CITIZEN"
        assert set(seen.data["node"]) == {"publicName", "role"}
        assert asking_for_more.status == 400
        assert asking_for_more.errors[0]["message"] == "Cannot query field 'phoneLast4' on type 'Person'."
