"""Access tokens: what is issued, what verifies, and every forged or stale token that is refused."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from models.common.actors import Role
from models.common.errors import DomainError
from models.identity.errors import InvalidToken
from models.identity.keys import KeyRing, SigningKey
from models.identity.tokens import (
    REQUIRED_CLAIMS,
    AccessClaims,
    issue_access_token,
    verify_access_token,
)

ISSUER = "https://townhall.test"
AUDIENCE = "townhall-app"
NOW = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
PERSON = "65f0c0ffee0000000000c0de"
DEPARTMENT = "65f0c0ffee0000000000d0e5"
SESSION = "session-family-1"


def new_ring(*retired: SigningKey) -> KeyRing:
    return KeyRing(
        active=SigningKey.of(Ed25519PrivateKey.generate()),
        retired=tuple(key.verification_key for key in retired),
    )


@pytest.fixture
def ring() -> KeyRing:
    return new_ring()


def issue(ring: KeyRing, *, now: dt.datetime = NOW, **fields: Any) -> str:
    values: dict[str, Any] = {
        "subject": PERSON,
        "role": "official",
        "department_id": DEPARTMENT,
        "session_id": SESSION,
        "issuer": ISSUER,
        "audience": AUDIENCE,
    } | fields
    return issue_access_token(ring, now=now, **values)


def verify(ring: KeyRing, token: str, *, now: dt.datetime = NOW, **options: Any) -> AccessClaims:
    values: dict[str, Any] = {"issuer": ISSUER, "audience": AUDIENCE} | options
    return verify_access_token(ring, token, now=now, **values)


def refusal(ring: KeyRing, token: str, **options: Any) -> InvalidToken:
    with pytest.raises(InvalidToken) as refused:
        verify(ring, token, **options)
    return refused.value


def valid_claims(**overrides: Any) -> dict[str, Any]:
    issued = int(NOW.timestamp())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": PERSON,
        "iat": issued,
        "nbf": issued,
        "exp": issued + 900,
        "jti": "token-id",
        "role": "citizen",
        "dept": None,
        "sid": SESSION,
    }
    return claims | overrides


def signed(key: SigningKey, claims: dict[str, Any], **headers: Any) -> str:
    """A token signed by `key` with any claims and headers: what a bug or a key thief could make."""
    all_headers = {"kid": key.kid, "typ": "at+jwt"} | headers
    return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers=all_headers)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64json(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value).encode())


def unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{b64json(header)}.{b64json(claims)}."


def hs256(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    # Built by hand: PyJWT itself refuses to use a PEM public key as an HMAC secret.
    signing_input = f"{b64json(header)}.{b64json(claims)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


class TestIssueAccessToken:
    def test_the_header_names_the_algorithm_type_and_active_key(self, ring: KeyRing) -> None:
        token = issue(ring)

        assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "kid": ring.active.kid, "typ": "at+jwt"}

    def test_carries_exactly_the_documented_claims(self, ring: KeyRing) -> None:
        token = issue(ring)

        claims = jwt.decode(token, options={"verify_signature": False})
        issued = int(NOW.timestamp())
        assert claims == {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": PERSON,
            "iat": issued,
            "nbf": issued,
            "exp": issued + 15 * 60,
            "jti": claims["jti"],
            "role": "official",
            "dept": DEPARTMENT,
            "sid": SESSION,
        }

    def test_each_token_has_its_own_id(self, ring: KeyRing) -> None:
        first, second = issue(ring), issue(ring)

        first_id = jwt.decode(first, options={"verify_signature": False})["jti"]
        second_id = jwt.decode(second, options={"verify_signature": False})["jti"]
        assert first_id != second_id

    def test_a_custom_lifetime_sets_the_expiry(self, ring: KeyRing) -> None:
        token = issue(ring, ttl=dt.timedelta(minutes=5))

        assert verify(ring, token).expires_at == NOW + dt.timedelta(minutes=5)

    def test_an_unknown_role_is_refused(self, ring: KeyRing) -> None:
        with pytest.raises(ValueError, match="'superuser' is not a valid Role"):
            issue(ring, role="superuser")

    def test_a_lifetime_that_is_not_positive_is_refused(self, ring: KeyRing) -> None:
        with pytest.raises(ValueError, match=r"^an access token needs a positive lifetime$"):
            issue(ring, ttl=dt.timedelta(0))


class TestVerifyAccessToken:
    def test_returns_the_claims_of_a_token_we_issued(self, ring: KeyRing) -> None:
        token = issue(ring)

        claims = verify(ring, token, now=NOW + dt.timedelta(minutes=14))

        assert claims == AccessClaims(
            subject=PERSON,
            role=Role.OFFICIAL,
            department_id=DEPARTMENT,
            session_id=SESSION,
            token_id=jwt.decode(token, options={"verify_signature": False})["jti"],
            issued_at=NOW,
            expires_at=NOW + dt.timedelta(minutes=15),
        )

    def test_a_citizen_has_no_department(self, ring: KeyRing) -> None:
        token = issue(ring, role="citizen", department_id=None)

        claims = verify(ring, token)

        assert (claims.role, claims.department_id) == (Role.CITIZEN, None)

    def test_accepts_a_token_just_expired_within_the_leeway(self, ring: KeyRing) -> None:
        token = issue(ring)

        claims = verify(ring, token, now=NOW + dt.timedelta(minutes=15, seconds=29))

        assert claims.subject == PERSON

    def test_accepts_a_token_issued_slightly_in_the_future_within_the_leeway(self, ring: KeyRing) -> None:
        token = issue(ring, now=NOW + dt.timedelta(seconds=20))

        assert verify(ring, token).subject == PERSON

    def test_the_current_time_is_the_default(self, ring: KeyRing) -> None:
        token = issue_access_token(
            ring,
            subject=PERSON,
            role="citizen",
            department_id=None,
            session_id=SESSION,
            issuer=ISSUER,
            audience=AUDIENCE,
        )

        assert verify_access_token(ring, token, issuer=ISSUER, audience=AUDIENCE).subject == PERSON


class TestRefusedAccessTokens:
    def test_the_refusal_is_a_domain_error_with_its_code(self, ring: KeyRing) -> None:
        error = refusal(ring, "garbage")

        assert isinstance(error, DomainError)
        assert error.code == "INVALID_TOKEN"

    def test_alg_none_is_refused(self, ring: KeyRing) -> None:
        token = unsigned({"alg": "none", "typ": "at+jwt", "kid": ring.active.kid}, valid_claims())

        assert refusal(ring, token).message == "access token uses an unsupported signing algorithm"

    def test_hs256_signed_with_the_raw_public_key_is_refused(self, ring: KeyRing) -> None:
        public = ring.active.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        token = hs256({"alg": "HS256", "typ": "at+jwt", "kid": ring.active.kid}, valid_claims(), public)

        assert refusal(ring, token).message == "access token uses an unsupported signing algorithm"

    def test_hs256_signed_with_the_pem_public_key_is_refused(self, ring: KeyRing) -> None:
        public = ring.active.private_key.public_key().public_bytes(
            Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
        )
        token = hs256({"alg": "HS256", "typ": "at+jwt", "kid": ring.active.kid}, valid_claims(), public)

        assert refusal(ring, token).message == "access token uses an unsupported signing algorithm"

    def test_another_key_presenting_our_kid_is_refused(self, ring: KeyRing) -> None:
        impostor = SigningKey(kid=ring.active.kid, private_key=Ed25519PrivateKey.generate())

        token = signed(impostor, valid_claims())

        assert refusal(ring, token).message == "access token signature is invalid"

    def test_a_tampered_payload_is_refused(self, ring: KeyRing) -> None:
        header, _, signature = issue(ring, role="citizen", department_id=None).split(".")
        promoted = b64json(valid_claims(role="admin"))

        assert (
            refusal(ring, f"{header}.{promoted}.{signature}").message == "access token signature is invalid"
        )

    def test_a_token_without_a_kid_is_refused(self, ring: KeyRing) -> None:
        token = jwt.encode(
            valid_claims(), ring.active.private_key, algorithm="EdDSA", headers={"typ": "at+jwt"}
        )

        assert refusal(ring, token).message == "access token names no signing key"

    def test_an_unknown_kid_is_refused(self, ring: KeyRing) -> None:
        token = signed(ring.active, valid_claims(), kid="not-one-of-ours")

        assert refusal(ring, token).message == "access token was signed with an unknown key"

    def test_a_token_of_another_type_is_refused(self, ring: KeyRing) -> None:
        token = signed(ring.active, valid_claims(), typ="JWT")

        assert refusal(ring, token).message == "access token is not a Townhall access token"

    def test_a_wrong_audience_is_refused(self, ring: KeyRing) -> None:
        token = issue(ring, audience="another-app")

        assert refusal(ring, token).message == "access token is meant for another audience"

    def test_an_audience_list_is_refused(self, ring: KeyRing) -> None:
        token = signed(ring.active, valid_claims(aud=[AUDIENCE, "another-app"]))

        assert refusal(ring, token).message == "access token is meant for another audience"

    def test_a_wrong_issuer_is_refused(self, ring: KeyRing) -> None:
        token = issue(ring, issuer="https://evil.test")

        assert refusal(ring, token).message == "access token comes from another issuer"

    def test_an_expired_token_is_refused(self, ring: KeyRing) -> None:
        token = issue(ring)

        error = refusal(ring, token, now=NOW + dt.timedelta(minutes=15, seconds=30))

        assert error.message == "access token has expired"

    def test_a_token_not_valid_before_a_future_time_is_refused(self, ring: KeyRing) -> None:
        token = signed(ring.active, valid_claims(nbf=int(NOW.timestamp()) + 31))

        assert refusal(ring, token).message == "access token is not valid yet"

    def test_a_token_issued_in_the_future_is_refused(self, ring: KeyRing) -> None:
        token = signed(ring.active, valid_claims(iat=int(NOW.timestamp()) + 31))

        assert refusal(ring, token).message == "access token is not valid yet"

    @pytest.mark.parametrize("claim", REQUIRED_CLAIMS)
    def test_a_token_lacking_a_required_claim_is_refused(self, ring: KeyRing, claim: str) -> None:
        claims = valid_claims()
        del claims[claim]

        assert refusal(ring, signed(ring.active, claims)).message == f"access token lacks the claim {claim!r}"

    @pytest.mark.parametrize(
        ("claim", "value"),
        [("exp", "tomorrow"), ("exp", True), ("iat", 1.5), ("role", "superuser"), ("dept", 7), ("sid", "")],
    )
    def test_a_token_with_a_malformed_claim_is_refused(self, ring: KeyRing, claim: str, value: Any) -> None:
        token = signed(ring.active, valid_claims(**{claim: value}))

        assert refusal(ring, token).message == f"access token claim {claim!r} is malformed"

    @pytest.mark.parametrize(
        "token",
        ["", "garbage", "a.b.c", "W10.e30.", "not base64!.e30.e30", "x" * 5_000],
        ids=["empty", "one-part", "not-json", "header-not-an-object", "bad-base64", "oversized"],
    )
    def test_a_malformed_token_is_refused(self, ring: KeyRing, token: str) -> None:
        assert refusal(ring, token).message == "access token is malformed"

    def test_a_token_naming_no_algorithm_is_refused(self, ring: KeyRing) -> None:
        assert refusal(ring, "e30.e30.").message == "access token uses an unsupported signing algorithm"

    def test_a_kid_that_is_not_text_is_refused(self, ring: KeyRing) -> None:
        token = unsigned({"alg": "EdDSA", "typ": "at+jwt", "kid": 5}, valid_claims())

        assert refusal(ring, token).message == "access token is malformed"

    def test_a_token_living_longer_than_the_configured_ttl_is_refused(self, ring: KeyRing) -> None:
        token = signed(ring.active, valid_claims(exp=int(NOW.timestamp()) + 901))

        refused = refusal(ring, token, max_lifetime=dt.timedelta(seconds=900))

        assert refused.message == "access token lives longer than this server issues them"

    def test_a_token_living_exactly_the_configured_ttl_is_accepted(self, ring: KeyRing) -> None:
        ttl = dt.timedelta(seconds=900)

        claims = verify(ring, issue(ring, ttl=ttl), max_lifetime=ttl)

        assert claims.expires_at - claims.issued_at == ttl

    def test_the_message_does_not_echo_the_token(self, ring: KeyRing) -> None:
        token = issue(ring, audience="another-app")

        error = refusal(ring, token)

        assert token not in str(error)
        assert ring.active.kid not in str(error)


class TestKeyRotation:
    def test_new_tokens_are_signed_with_the_new_key(self) -> None:
        old = new_ring()
        rotated = new_ring(old.active)

        token = issue(rotated)

        assert jwt.get_unverified_header(token)["kid"] == rotated.active.kid != old.active.kid

    def test_a_retired_key_still_verifies_the_tokens_it_signed(self) -> None:
        old = new_ring()
        token = issue(old)
        rotated = new_ring(old.active)

        assert verify(rotated, token, now=NOW + dt.timedelta(minutes=10)).subject == PERSON

    def test_tokens_of_a_retired_key_still_expire(self) -> None:
        old = new_ring()
        token = issue(old)
        rotated = new_ring(old.active)

        assert refusal(rotated, token, now=NOW + dt.timedelta(hours=1)).message == "access token has expired"

    def test_a_token_of_a_key_removed_from_the_ring_is_refused(self) -> None:
        old = new_ring()
        token = issue(old)
        without_old = new_ring()

        assert refusal(without_old, token).message == "access token was signed with an unknown key"

    def test_the_jwks_lists_the_new_and_the_retired_key(self) -> None:
        old = new_ring()
        rotated = new_ring(old.active)

        assert [key["kid"] for key in rotated.jwks()["keys"]] == [rotated.active.kid, old.active.kid]
