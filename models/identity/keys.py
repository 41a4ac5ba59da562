"""The Ed25519 keys that sign access tokens: one active key, retired keys still trusted, and their JWKS."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

from models.common.secret_files import read_or_create_secret

DEVELOPMENT_KEY_FILE = "signing-key.pem"
KEY_ID_LENGTH = 16


class KeyFileError(ValueError):
    """A configured key file cannot be used; the message names the file and the reason."""


def key_id(public_key: Ed25519PublicKey) -> str:
    """A stable fingerprint: base64url of the SHA-256 of the raw public key, first 16 characters."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return _base64url(hashlib.sha256(raw).digest())[:KEY_ID_LENGTH]


@dataclass(frozen=True)
class VerificationKey:
    """A public key that verifies tokens; retired keys keep verifying until their tokens expire."""

    kid: str
    public_key: Ed25519PublicKey = field(repr=False)

    @classmethod
    def of(cls, public_key: Ed25519PublicKey) -> VerificationKey:
        return cls(kid=key_id(public_key), public_key=public_key)

    def jwk(self) -> dict[str, str]:
        raw = self.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": _base64url(raw),
            "kid": self.kid,
            "alg": "EdDSA",
            "use": "sig",
        }


@dataclass(frozen=True)
class SigningKey:
    """The private key new tokens are signed with, and its key id."""

    kid: str
    private_key: Ed25519PrivateKey = field(repr=False)

    @classmethod
    def of(cls, private_key: Ed25519PrivateKey) -> SigningKey:
        return cls(kid=key_id(private_key.public_key()), private_key=private_key)

    @property
    def verification_key(self) -> VerificationKey:
        return VerificationKey(kid=self.kid, public_key=self.private_key.public_key())


@dataclass(frozen=True)
class KeyRing:
    """The active signing key plus retired, verification-only keys (rotation without signing anyone out)."""

    active: SigningKey
    retired: tuple[VerificationKey, ...] = ()

    def __post_init__(self) -> None:
        kids = [key.kid for key in self.verification_keys]
        if len(set(kids)) != len(kids):
            raise KeyFileError("the same key is configured twice")

    @property
    def verification_keys(self) -> tuple[VerificationKey, ...]:
        return (self.active.verification_key, *self.retired)

    def public_key(self, kid: str) -> Ed25519PublicKey | None:
        """The key with this id among ours, or None: a token never chooses its own key."""
        for key in self.verification_keys:
            if key.kid == kid:
                return key.public_key
        return None

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JSON Web Key Set of every key that verifies tokens, active first; public halves only."""
        return {"keys": [key.jwk() for key in self.verification_keys]}


def load_key_ring(paths: Sequence[Path]) -> KeyRing:
    """Load PEM keys: the first is the active private key, the rest retired (private or public PEM)."""
    if not paths:
        raise KeyFileError("no signing key is configured")
    active = SigningKey.of(_load_private_key(paths[0]))
    # A retired key only verifies, so its public half is enough; operators may destroy the private one.
    retired = [_load_verification_key(path) for path in paths[1:]]
    seen = {active.kid: paths[0]}
    for path, key in zip(paths[1:], retired, strict=True):
        if key.kid in seen:
            raise KeyFileError(f"{path} holds the same key as {seen[key.kid]}")
        seen[key.kid] = path
    return KeyRing(active=active, retired=tuple(retired))


def development_key_ring(data_dir: Path) -> KeyRing:
    """The development key ring: one key generated into `data_dir` on first run, reused afterwards."""
    path = data_dir / DEVELOPMENT_KEY_FILE
    read_or_create_secret(
        path, lambda: _new_private_key().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    return load_key_ring([path])


def _new_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise KeyFileError(f"cannot read the key file {path}: {error.strerror or error}") from error


def _load_private_key(path: Path) -> Ed25519PrivateKey:
    data = _read(path)
    try:
        key = load_pem_private_key(data, password=None)
    except TypeError as error:
        raise KeyFileError(
            f"{path} is encrypted; Townhall needs an unencrypted key (protect the file instead)"
        ) from error
    except ValueError as error:
        raise KeyFileError(f"{path} is not a PEM-encoded private key") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(
            f"{path} holds a key of type {_kind(key)}; access tokens are signed with Ed25519 (EdDSA)"
        )
    return key


def _load_verification_key(path: Path) -> VerificationKey:
    data = _read(path)
    if b"PRIVATE KEY-----" in data:
        return SigningKey.of(_load_private_key(path)).verification_key
    try:
        key = load_pem_public_key(data)
    except ValueError as error:
        raise KeyFileError(f"{path} is not a PEM-encoded private or public key") from error
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(
            f"{path} holds a key of type {_kind(key)}; access tokens are signed with Ed25519 (EdDSA)"
        )
    return VerificationKey.of(key)


def _kind(key: object) -> str:
    return type(key).__name__.removesuffix("PrivateKey").removesuffix("PublicKey")


def _base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
