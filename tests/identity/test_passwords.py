"""Staff passwords: the scrypt hash format, verification, rehash detection and the password policy."""

from __future__ import annotations

import base64

import pytest

from models.common.errors import InvalidInput
from models.identity.passwords import (
    DEFAULT_PARAMS,
    ScryptParams,
    check_password_policy,
    hash_password,
    hash_password_async,
    needs_rehash,
    verify_password,
    verify_password_async,
)

# Cheap parameters keep these tests fast; the format and the defaults are checked once with DEFAULT_PARAMS.
FAST = ScryptParams(n=16, r=1, p=1)
PASSWORD = "tram-lantern-47-quietly"
EMAIL = "li.wei@example.gov.cn"


class TestHashPassword:
    def test_names_the_scheme_parameters_salt_and_hash(self) -> None:
        encoded = hash_password(PASSWORD)

        scheme, n, r, p, salt, digest = encoded.split("$")
        assert (scheme, n, r, p) == ("scrypt", "16384", "8", "2")
        assert len(base64.b64decode(salt)) == 16
        assert len(base64.b64decode(digest)) == 32
        assert PASSWORD not in encoded

    def test_the_default_parameters_are_production_grade(self) -> None:
        # At least 16 MiB of memory per hash (n·r·128 bytes) and two passes.
        assert DEFAULT_PARAMS.n * DEFAULT_PARAMS.r * 128 >= 16 * 1024 * 1024
        assert DEFAULT_PARAMS.p >= 2

    def test_names_the_parameters_it_was_given(self) -> None:
        assert hash_password(PASSWORD, FAST).startswith("scrypt$16$1$1$")

    def test_the_same_password_hashes_differently_each_time(self) -> None:
        assert hash_password(PASSWORD, FAST) != hash_password(PASSWORD, FAST)

    async def test_hashes_off_the_event_loop(self) -> None:
        encoded = await hash_password_async(PASSWORD, FAST)

        assert verify_password(PASSWORD, encoded) is True


class TestVerifyPassword:
    def test_the_right_password_verifies(self) -> None:
        assert verify_password(PASSWORD, hash_password(PASSWORD, FAST)) is True

    def test_the_right_password_verifies_against_the_default_parameters(self) -> None:
        assert verify_password(PASSWORD, hash_password(PASSWORD)) is True

    def test_a_wrong_password_does_not(self) -> None:
        assert verify_password(PASSWORD + "!", hash_password(PASSWORD, FAST)) is False

    def test_the_same_password_from_another_keyboard_verifies(self) -> None:
        # Full-width letters and digits (a Chinese input method) are the same password after NFKC.
        encoded = hash_password("tram-lantern-47", FAST)

        assert verify_password("ｔｒａｍ-ｌａｎｔｅｒｎ-４７", encoded) is True

    @pytest.mark.parametrize(
        "encoded",
        [
            "",
            PASSWORD,
            "bcrypt$16$1$1$c2FsdA==$aGFzaA==",
            "scrypt$16$1$1$c2FsdA==",
            "scrypt$15$1$1$c2FsdA==$aGFzaA==",
            "scrypt$2097152$8$1$c2FsdA==$aGFzaA==",
            "scrypt$16$1$1$not base64!$aGFzaA==",
            "scrypt$16$x$1$c2FsdA==$aGFzaA==",
        ],
        ids=[
            "empty",
            "plain",
            "other-scheme",
            "short",
            "n-not-power-of-two",
            "n-too-large",
            "bad-salt",
            "bad-r",
        ],
    )
    def test_a_malformed_hash_verifies_nothing(self, encoded: str) -> None:
        assert verify_password(PASSWORD, encoded) is False

    async def test_verifies_off_the_event_loop(self) -> None:
        encoded = hash_password(PASSWORD, FAST)

        assert await verify_password_async(PASSWORD, encoded) is True
        assert await verify_password_async("wrong", encoded) is False


class TestNeedsRehash:
    def test_a_hash_with_the_current_parameters_does_not(self) -> None:
        assert needs_rehash(hash_password(PASSWORD, FAST), FAST) is False

    def test_a_hash_with_other_parameters_does(self) -> None:
        assert needs_rehash(hash_password(PASSWORD, FAST)) is True

    def test_a_malformed_hash_does(self) -> None:
        assert needs_rehash("plain text") is True


class TestPasswordPolicy:
    @pytest.mark.parametrize(
        "password", [PASSWORD, "x" * 11 + "y", "密码很长而且不常见的一句话", "a b c d e f g"]
    )
    def test_accepts_a_good_password(self, password: str) -> None:
        check_password_policy(password, email=EMAIL)

    def test_refuses_eleven_characters(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            check_password_policy("abcdefg1234", email=EMAIL)

        assert raised.value.message == "a password needs at least 12 characters"
        assert raised.value.field == "password"

    def test_accepts_256_characters(self) -> None:
        check_password_policy("ab" * 128, email=EMAIL)

    def test_refuses_257_characters(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            check_password_policy("ab" * 128 + "c", email=EMAIL)

        assert raised.value.message == "a password can be at most 256 characters"
        assert raised.value.field == "password"

    def test_refuses_one_character_repeated(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            check_password_policy("7" * 20, email=EMAIL)

        assert raised.value.message == "a password cannot be one character repeated"

    @pytest.mark.parametrize("password", ["password1234", "Password1234", "1qaz2wsx3edc", "woaini1314520"])
    def test_refuses_a_common_password(self, password: str) -> None:
        with pytest.raises(InvalidInput) as raised:
            check_password_policy(password, email=EMAIL)

        assert raised.value.message == "this password is one of the most common ones; choose another"

    @pytest.mark.parametrize("password", ["li.wei-summer-2030", "SUMMER-LI.WEI-2030"])
    def test_refuses_the_name_part_of_the_email(self, password: str) -> None:
        with pytest.raises(InvalidInput) as raised:
            check_password_policy(password, email=EMAIL)

        assert raised.value.message == "a password cannot contain the name part of the e-mail address"
        assert raised.value.field == "password"

    def test_a_name_part_of_two_letters_is_not_checked(self) -> None:
        check_password_policy("wu-river-lantern-9", email="wu@example.gov.cn")
