"""Devices through the API: registering (again, from another account), unregistering, signing out."""

from __future__ import annotations

import datetime as dt

from models.common.clock import epoch_ms, utcnow
from models.notifications import devices, repository
from models.notifications.deliveries import FREE
from models.notifications.documents import DELIVERIES, DEVICES
from tests.consultations.comment_support import citizen, mutate, run
from tests.notifications.support import device_input, fcm_token
from tests.support.graphql_client import GraphQLClient

REGISTER = """
mutation ($input: RegisterDeviceInput!) { registerDevice(input: $input) {
  __typename
  ... on UserError { code message field }
  ... on DeviceRegistered { device { platform appVersion locale timeZone } }
} }
"""
UNREGISTER = """
mutation ($input: UnregisterDeviceInput!) { unregisterDevice(input: $input) {
  __typename
  ... on UserError { code message field }
  ... on DeviceUnregistered { removed }
} }
"""
SIGN_OUT = """
mutation ($deviceToken: String, $everywhere: Boolean! = false) {
  signOut(deviceToken: $deviceToken, everywhere: $everywhere) {
    __typename ... on SignedOut { sessionsEnded } ... on UserError { code message }
  }
}
"""
ME = "{ me { phoneLast4 } }"


def pending_delivery(token: str, person_id: object, *, leased: bool = False) -> dict[str, object]:
    now = utcnow()
    return DELIVERIES.new_document(
        {
            "_id": f"n{token[:8]}{leased}|{token}",
            "notification_id": f"n{token[:8]}",
            "person_id": person_id,
            "token": token,
            "status": "pending",
            "attempts": 0,
            "due_ms": epoch_ms(now),
            "lease_owner": "worker-1" if leased else None,
            "lease_ms": epoch_ms(now + dt.timedelta(minutes=1)) if leased else FREE,
        }
    )


class TestRegister:
    async def test_registering_twice_keeps_one_device_with_the_latest_details(
        self, gql: GraphQLClient, db
    ) -> None:
        person, headers = await citizen(db)
        token = fcm_token()

        first = await mutate(gql, REGISTER, device_input(token), headers)
        again = await mutate(gql, REGISTER, device_input(token, appVersion="2.4.0", locale="en_gb"), headers)

        assert first["device"] == {
            "platform": "ANDROID",
            "appVersion": "2.3.1",
            "locale": "zh-CN",
            "timeZone": "Asia/Shanghai",
        }
        assert (again["device"]["appVersion"], again["device"]["locale"]) == ("2.4.0", "en-GB")
        stored = await DEVICES.of(db).find({}).to_list()
        assert [(d["_id"], d["person_id"], d["app_version"]) for d in stored] == [
            (token, person["_id"], "2.4.0")
        ]
        assert stored[0]["registered_at"] <= stored[0]["last_seen_at"]

    async def test_a_person_may_have_several_devices(self, gql: GraphQLClient, db) -> None:
        person, headers = await citizen(db)
        phone, tablet = fcm_token(), fcm_token()

        await mutate(gql, REGISTER, device_input(phone), headers)
        await mutate(gql, REGISTER, device_input(tablet, platform="IOS"), headers)

        found = await repository.devices_of(db, [person["_id"]])
        assert sorted(d["_id"] for d in found[person["_id"]]) == sorted([phone, tablet])

    async def test_a_token_registered_by_another_account_moves_and_its_waiting_pushes_are_dropped(
        self, gql: GraphQLClient, db
    ) -> None:
        first, first_headers = await citizen(db, "+8613800000001")
        second, second_headers = await citizen(db, "+8613800000002")
        token = fcm_token()
        await mutate(gql, REGISTER, device_input(token), first_headers)
        await DELIVERIES.of(db).insert_one(pending_delivery(token, first["_id"]))

        result = await mutate(gql, REGISTER, device_input(token), second_headers)

        assert result["__typename"] == "DeviceRegistered"
        found = await repository.devices_of(db, [first["_id"], second["_id"]])
        assert (found[first["_id"]], [d["_id"] for d in found[second["_id"]]]) == ([], [token])
        delivery = await DELIVERIES.of(db).find_one({"token": token})
        assert (delivery["status"], delivery["error"]["code"]) == ("dropped", "device_moved")

    async def test_malformed_details_are_refused(self, gql: GraphQLClient, db) -> None:
        _, headers = await citizen(db)
        cases = {
            "token": device_input("token-1"),
            "locale": device_input(fcm_token(), locale="chinese please"),
            "timeZone": device_input(fcm_token(), timeZone="Mars/Olympus_Mons"),
            "appVersion": device_input(fcm_token(), appVersion="<script>"),
        }

        for field, input in cases.items():
            result = await mutate(gql, REGISTER, input, headers)
            assert (result["__typename"], result["field"]) == ("InvalidInputError", field), result
        assert await DEVICES.of(db).count_documents({}) == 0

    async def test_signed_out_registering_is_refused(self, gql: GraphQLClient, db) -> None:
        result = await mutate(gql, REGISTER, device_input(fcm_token()), {})

        assert (result["__typename"], result["code"]) == ("ForbiddenError", "FORBIDDEN")
        assert await DEVICES.of(db).count_documents({}) == 0

    async def test_the_oldest_device_beyond_the_limit_is_dropped(self, gql: GraphQLClient, db) -> None:
        person, headers = await citizen(db)
        tokens = [fcm_token() for _ in range(devices.MAX_DEVICES_PER_PERSON + 1)]

        for token in tokens:
            await mutate(gql, REGISTER, device_input(token), headers)

        kept = (await repository.devices_of(db, [person["_id"]]))[person["_id"]]
        assert sorted(d["_id"] for d in kept) == sorted(tokens[1:])


class TestUnregister:
    async def test_unregistering_ones_own_device(self, gql: GraphQLClient, db) -> None:
        person, headers = await citizen(db)
        token = fcm_token()
        await mutate(gql, REGISTER, device_input(token), headers)
        await DELIVERIES.of(db).insert_one(pending_delivery(token, person["_id"]))

        removed = await mutate(gql, UNREGISTER, {"token": token}, headers)
        again = await mutate(gql, UNREGISTER, {"token": token}, headers)

        assert (removed, again) == (
            {"__typename": "DeviceUnregistered", "removed": True},
            {"__typename": "DeviceUnregistered", "removed": False},
        )
        assert await DEVICES.of(db).count_documents({}) == 0
        assert (await DELIVERIES.of(db).find_one({"token": token}))["status"] == "dropped"

    async def test_someone_elses_device_is_left_alone(self, gql: GraphQLClient, db) -> None:
        owner, owner_headers = await citizen(db, "+8613800000001")
        _, other_headers = await citizen(db, "+8613800000002")
        token = fcm_token()
        await mutate(gql, REGISTER, device_input(token), owner_headers)

        result = await mutate(gql, UNREGISTER, {"token": token}, other_headers)

        assert result == {"__typename": "DeviceUnregistered", "removed": False}
        stored = await DEVICES.of(db).find_one({"_id": token})
        assert stored["person_id"] == owner["_id"]

    async def test_signing_out_with_the_device_token_removes_the_device(self, gql: GraphQLClient, db) -> None:
        person, headers = await citizen(db)
        this_phone, other_phone = fcm_token(), fcm_token()
        await mutate(gql, REGISTER, device_input(this_phone), headers)
        await mutate(gql, REGISTER, device_input(other_phone), headers)

        signed_out = await run(gql, SIGN_OUT, {"deviceToken": this_phone}, headers)

        assert signed_out["signOut"] == {"__typename": "SignedOut", "sessionsEnded": 1}
        remaining = (await repository.devices_of(db, [person["_id"]]))[person["_id"]]
        assert [d["_id"] for d in remaining] == [other_phone]
        assert (await gql.execute(ME, headers=headers)).status == 401

    async def test_signing_out_everywhere_removes_every_device(self, gql: GraphQLClient, db) -> None:
        person, headers = await citizen(db)
        for _ in range(2):
            await mutate(gql, REGISTER, device_input(fcm_token()), headers)

        await run(gql, SIGN_OUT, {"everywhere": True}, headers)

        assert (await repository.devices_of(db, [person["_id"]]))[person["_id"]] == []

    async def test_a_malformed_token_does_not_stop_signing_out(self, gql: GraphQLClient, db) -> None:
        _, headers = await citizen(db)

        signed_out = await run(gql, SIGN_OUT, {"deviceToken": "nonsense"}, headers)

        assert signed_out["signOut"] == {"__typename": "SignedOut", "sessionsEnded": 1}


class TestForgetToken:
    async def test_a_dead_token_is_forgotten_with_its_waiting_pushes_but_not_held_ones(
        self, gql: GraphQLClient, db
    ) -> None:
        person, headers = await citizen(db)
        token = fcm_token()
        await mutate(gql, REGISTER, device_input(token), headers)
        waiting, held = (
            pending_delivery(token, person["_id"]),
            pending_delivery(token, person["_id"], leased=True),
        )
        await DELIVERIES.of(db).insert_many([waiting, held])

        await devices.forget_token(db, token)

        assert await DEVICES.of(db).count_documents({}) == 0
        statuses = {d["_id"]: d["status"] async for d in DELIVERIES.of(db).find({})}
        assert statuses == {waiting["_id"]: "dropped", held["_id"]: "pending"}
