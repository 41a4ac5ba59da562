"""Citizens sign in end to end: the Firebase Auth emulator's phone flow, then signInWithFirebase."""

from __future__ import annotations

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
