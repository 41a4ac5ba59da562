"""Signing keys: loading PEM files, key ids, the JWKS, and the development key made on first run."""

from __future__ import annotations

import base64
import hashlib
import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from models.identity import keys
from models.identity.keys import (
    DEVELOPMENT_KEY_FILE,
    KeyFileError,
    KeyRing,
    SigningKey,
    VerificationKey,
    development_key_ring,
    load_key_ring,
)


def write_private_key(path: Path, key: PrivateKeyTypes | None = None, password: bytes | None = None) -> Path:
    private_key = key or Ed25519PrivateKey.generate()
    encryption = BestAvailableEncryption(password) if password else NoEncryption()
    path.write_bytes(private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, encryption))
    return path


def write_public_key(path: Path, key: Ed25519PrivateKey) -> Path:
    path.write_bytes(key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    return path


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def expected_kid(key: Ed25519PrivateKey) -> str:
    digest = hashlib.sha256(raw_public(key.public_key())).digest()
    return base64.urlsafe_b64encode(digest).decode()[:16]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TestLoadKeyRing:
    def test_the_first_key_is_the_active_signing_key(self, tmp_path: Path) -> None:
        key = Ed25519PrivateKey.generate()
        path = write_private_key(tmp_path / "current.pem", key)

        ring = load_key_ring([path])

        assert ring.active.kid == expected_kid(key)
        assert raw_public(ring.active.private_key.public_key()) == raw_public(key.public_key())
        assert ring.retired == ()

    def test_later_keys_are_retired_and_only_verify(self, tmp_path: Path) -> None:
        current, old = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()

        ring = load_key_ring(
            [write_private_key(tmp_path / "a.pem", current), write_private_key(tmp_path / "b.pem", old)]
        )

        assert ring.active.kid == expected_kid(current)
        assert [key.kid for key in ring.retired] == [expected_kid(old)]
        assert all(isinstance(key, VerificationKey) for key in ring.retired)

    def test_a_retired_key_may_be_given_as_its_public_half(self, tmp_path: Path) -> None:
        old = Ed25519PrivateKey.generate()

        ring = load_key_ring(
            [write_private_key(tmp_path / "a.pem"), write_public_key(tmp_path / "old.pub", old)]
        )

        assert [key.kid for key in ring.retired] == [expected_kid(old)]

    def test_the_key_id_is_stable_across_loads(self, tmp_path: Path) -> None:
        path = write_private_key(tmp_path / "a.pem")

        assert load_key_ring([path]).active.kid == load_key_ring([path]).active.kid

    def test_no_paths_is_refused(self) -> None:
        with pytest.raises(KeyFileError, match=r"^no signing key is configured$"):
            load_key_ring([])

    def test_a_missing_file_is_refused_naming_it(self, tmp_path: Path) -> None:
        path = tmp_path / "absent.pem"

        with pytest.raises(KeyFileError) as refused:
            load_key_ring([path])

        assert str(refused.value) == f"cannot read the key file {path}: No such file or directory"

    def test_a_file_that_is_not_pem_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "notes.txt"
        path.write_text("not a key")

        with pytest.raises(KeyFileError) as refused:
            load_key_ring([path])

        assert str(refused.value) == f"{path} is not a PEM-encoded private key"

    def test_an_rsa_key_is_refused(self, tmp_path: Path) -> None:
        path = write_private_key(tmp_path / "rsa.pem", rsa.generate_private_key(65537, 2048))

        with pytest.raises(KeyFileError) as refused:
            load_key_ring([path])

        assert (
            str(refused.value)
            == f"{path} holds a key of type RSA; access tokens are signed with Ed25519 (EdDSA)"
        )

    def test_an_ec_key_is_refused(self, tmp_path: Path) -> None:
        path = write_private_key(tmp_path / "ec.pem", ec.generate_private_key(ec.SECP256R1()))

        with pytest.raises(KeyFileError) as refused:
            load_key_ring([path])

        assert (
            str(refused.value)
            == f"{path} holds a key of type EC; access tokens are signed with Ed25519 (EdDSA)"
        )

    def test_an_encrypted_key_is_refused(self, tmp_path: Path) -> None:
        path = write_private_key(tmp_path / "locked.pem", password=b"secret")

        with pytest.raises(KeyFileError) as refused:
            load_key_ring([path])

        assert str(refused.value) == (
            f"{path} is encrypted; Townhall needs an unencrypted key (protect the file instead)"
        )

    def test_a_public_key_cannot_be_the_active_key(self, tmp_path: Path) -> None:
        path = write_public_key(tmp_path / "only.pub", Ed25519PrivateKey.generate())

        with pytest.raises(KeyFileError) as refused:
            load_key_ring([path])

        assert str(refused.value) == f"{path} is not a PEM-encoded private key"

    def test_a_retired_rsa_public_key_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "rsa.pub"
        public = rsa.generate_private_key(65537, 2048).public_key()
        path.write_bytes(public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))

        with pytest.raises(KeyFileError) as refused:
            load_key_ring([write_private_key(tmp_path / "a.pem"), path])

        assert (
            str(refused.value)
            == f"{path} holds a key of type RSA; access tokens are signed with Ed25519 (EdDSA)"
        )

    def test_the_same_key_twice_is_refused(self, tmp_path: Path) -> None:
        key = Ed25519PrivateKey.generate()
        first = write_private_key(tmp_path / "a.pem", key)
        again = write_public_key(tmp_path / "a.pub", key)

        with pytest.raises(KeyFileError) as refused:
            load_key_ring([first, again])

        assert str(refused.value) == f"{again} holds the same key as {first}"


class TestKeyRing:
    def test_finds_the_public_key_of_each_of_its_keys(self) -> None:
        current, old = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
        ring = KeyRing(active=SigningKey.of(current), retired=(VerificationKey.of(old.public_key()),))

        found = [ring.public_key(expected_kid(key)) for key in (current, old)]

        assert [raw_public(key) for key in found if key] == [
            raw_public(current.public_key()),
            raw_public(old.public_key()),
        ]

    def test_an_unknown_kid_finds_nothing(self) -> None:
        ring = KeyRing(active=SigningKey.of(Ed25519PrivateKey.generate()))

        assert ring.public_key("unknown-kid-0000") is None

    def test_a_ring_with_a_key_twice_is_refused(self) -> None:
        key = Ed25519PrivateKey.generate()

        with pytest.raises(KeyFileError, match=r"^the same key is configured twice$"):
            KeyRing(active=SigningKey.of(key), retired=(VerificationKey.of(key.public_key()),))

    def test_the_repr_shows_no_key_material(self) -> None:
        ring = KeyRing(active=SigningKey.of(Ed25519PrivateKey.generate()))

        assert repr(ring) == f"KeyRing(active=SigningKey(kid={ring.active.kid!r}), retired=())"


class TestJwks:
    def test_lists_the_active_key_then_the_retired_ones(self) -> None:
        current, old = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
        ring = KeyRing(active=SigningKey.of(current), retired=(VerificationKey.of(old.public_key()),))

        jwks = ring.jwks()

        assert jwks == {
            "keys": [
                {
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "x": b64url(raw_public(key.public_key())),
                    "kid": expected_kid(key),
                    "alg": "EdDSA",
                    "use": "sig",
                }
                for key in (current, old)
            ]
        }

    def test_holds_no_private_material(self) -> None:
        ring = KeyRing(active=SigningKey.of(Ed25519PrivateKey.generate()))

        assert all("d" not in key for key in ring.jwks()["keys"])


class TestDevelopmentKeyRing:
    def test_creates_the_key_file_readable_only_by_its_owner(self, tmp_path: Path) -> None:
        data_dir = tmp_path / "data"

        ring = development_key_ring(data_dir)

        path = data_dir / DEVELOPMENT_KEY_FILE
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert load_key_ring([path]).active.kid == ring.active.kid

    def test_reuses_the_key_on_later_runs(self, tmp_path: Path) -> None:
        first = development_key_ring(tmp_path)
        written = (tmp_path / DEVELOPMENT_KEY_FILE).read_bytes()

        second = development_key_ring(tmp_path)

        assert second.active.kid == first.active.kid
        assert (tmp_path / DEVELOPMENT_KEY_FILE).read_bytes() == written

    def test_leaves_only_the_key_file_behind(self, tmp_path: Path) -> None:
        development_key_ring(tmp_path)

        assert [path.name for path in tmp_path.iterdir()] == [DEVELOPMENT_KEY_FILE]

    def test_two_processes_starting_at_once_agree_on_one_key(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Both creators generate a key before either writes one: the race the file creation must win.
        both_generated = threading.Barrier(2, timeout=10)
        generated: list[Ed25519PrivateKey] = []

        def generate_in_step() -> Ed25519PrivateKey:
            key = Ed25519PrivateKey.generate()
            generated.append(key)
            both_generated.wait()
            return key

        monkeypatch.setattr(keys, "_new_private_key", generate_in_step)

        with ThreadPoolExecutor(max_workers=2) as pool:
            rings = list(pool.map(lambda _: development_key_ring(tmp_path), range(2)))

        assert len({expected_kid(key) for key in generated}) == 2
        assert rings[0].active.kid == rings[1].active.kid
        assert rings[0].active.kid in {expected_kid(key) for key in generated}
        assert [path.name for path in tmp_path.iterdir()] == [DEVELOPMENT_KEY_FILE]
