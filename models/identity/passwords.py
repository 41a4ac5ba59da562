"""Staff passwords: scrypt hashes that name their own parameters, and the policy a new password meets."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import secrets
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from models.common.errors import InvalidInput

SCHEME = "scrypt"
SALT_BYTES = 16
HASH_BYTES = 32
MIN_LENGTH = 12
MAX_LENGTH = 256
# Below this the local part ("li", "wu") is too short to forbid: it would rule out half of all passwords.
MIN_LOCAL_PART_CHECKED = 3
# A stored hash naming a larger cost than this is corrupt or hostile: refuse it rather than allocate it.
MAX_N = 2**20


@dataclass(frozen=True)
class ScryptParams:
    """scrypt's cost: n (CPU and memory, a power of two), r (block size), p (sequential passes)."""

    n: int
    r: int
    p: int

    @property
    def maxmem(self) -> int:
        # What OpenSSL allocates (128·r·(n + p + 2) bytes) plus slack; its default cap is 32 MiB.
        return 128 * self.r * (self.n + self.p + 2) + 1024 * 1024


# About 75–95 ms and 16 MiB per hash on the 2-core deployment machines (measured: n=2**15 takes
# 100–125 ms, n=2**14 with p=1 about 50 ms). Raise it as machines get faster: stored hashes name
# their parameters, and a sign-in rehashes an older hash with these.
DEFAULT_PARAMS = ScryptParams(n=2**14, r=8, p=2)

# Hashing is CPU- and memory-bound: a small pool of its own bounds both (threads × 16 MiB) and keeps
# a burst of sign-ins from occupying the default executor other work (Firebase key fetches) uses.
_HASHING = ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="password-hash")

# The most common passwords of 12 or more characters (shorter ones fail the length rule anyway),
# from public breach lists, including those common among Chinese users. No replacement for a
# breached-password service, but it stops the first guesses of every attacker.
COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "123456789abc",
        "1234567890ab",
        "123123123123",
        "123456123456",
        "147258369147",
        "987654321098",
        "098765432109",
        "112233445566",
        "121212121212",
        "abcdefghijkl",
        "abcd12345678",
        "abc123456789",
        "abcabcabcabc",
        "passwordpassword",
        "password1234",
        "password12345",
        "password123456",
        "passw0rd1234",
        "p@ssw0rd1234",
        "p@ssword1234",
        "qwertyuiop12",
        "qwertyuiop123",
        "qwertyuiopas",
        "qwerty123456",
        "qwertyqwerty",
        "1q2w3e4r5t6y",
        "1qaz2wsx3edc",
        "qazwsxedcrfv",
        "zaq12wsxcde3",
        "zxcvbnmasdfg",
        "asdfghjkl123",
        "iloveyou1234",
        "iloveyouiloveyou",
        "woaini1314520",
        "woainiwoaini",
        "520131452013",
        "5201314520131",
        "131452013145",
        "admin1234567",
        "administrator",
        "welcome12345",
        "letmein12345",
        "changeme1234",
    }
)


def _encode(params: ScryptParams, salt: bytes, digest: bytes) -> str:
    salt_b64 = base64.b64encode(salt).decode()
    hash_b64 = base64.b64encode(digest).decode()
    return f"{SCHEME}${params.n}${params.r}${params.p}${salt_b64}${hash_b64}"


def _decode(encoded: str) -> tuple[ScryptParams, bytes, bytes] | None:
    """Parameters, salt and hash of `scrypt$n$r$p$salt$hash`; None for anything else."""
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        return None
    try:
        n, r, p = (int(part) for part in parts[1:4])
        salt = base64.b64decode(parts[4], validate=True)
        digest = base64.b64decode(parts[5], validate=True)
    except ValueError:
        return None
    if not (1 < n <= MAX_N and n & (n - 1) == 0 and 0 < r <= 32 and 0 < p <= 16 and salt and digest):
        return None
    return ScryptParams(n=n, r=r, p=p), salt, digest


def _scrypt(password: str, salt: bytes, params: ScryptParams, length: int) -> bytes:
    # NFKC: the same password typed on two keyboards (full-width digits, composed accents) matches.
    secret = unicodedata.normalize("NFKC", password).encode()
    return hashlib.scrypt(
        secret, salt=salt, n=params.n, r=params.r, p=params.p, maxmem=params.maxmem, dklen=length
    )


def hash_password(password: str, params: ScryptParams = DEFAULT_PARAMS) -> str:
    """`scrypt$n$r$p$salt_b64$hash_b64` with a fresh random salt; blocks for the hash's cost."""
    salt = secrets.token_bytes(SALT_BYTES)
    return _encode(params, salt, _scrypt(password, salt, params, HASH_BYTES))


def verify_password(password: str, encoded: str) -> bool:
    """Whether `password` matches `encoded`, compared in constant time; False for a malformed hash."""
    decoded = _decode(encoded)
    if decoded is None:
        return False
    params, salt, digest = decoded
    return hmac.compare_digest(_scrypt(password, salt, params, len(digest)), digest)


def needs_rehash(encoded: str, params: ScryptParams = DEFAULT_PARAMS) -> bool:
    """Whether `encoded` was made with other parameters than `params` (check after it verified)."""
    decoded = _decode(encoded)
    return decoded is None or decoded[0] != params


async def hash_password_async(password: str, params: ScryptParams = DEFAULT_PARAMS) -> str:
    """hash_password off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_HASHING, hash_password, password, params)


async def verify_password_async(password: str, encoded: str) -> bool:
    """verify_password off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_HASHING, verify_password, password, encoded)


def check_password_policy(password: str, *, email: str) -> None:
    """Refuse a password that is short, overlong, one character repeated, very common, or holds the
    e-mail's name part: the guesses an attacker tries first."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_LENGTH} characters", field="password")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"a password can be at most {MAX_LENGTH} characters", field="password")
    if len(set(password)) == 1:
        raise InvalidInput("a password cannot be one character repeated", field="password")
    folded = password.casefold()
    if folded in COMMON_PASSWORDS:
        raise InvalidInput("this password is one of the most common ones; choose another", field="password")
    local_part = email.partition("@")[0].strip().casefold()
    if len(local_part) >= MIN_LOCAL_PART_CHECKED and local_part in folded:
        raise InvalidInput("a password cannot contain the name part of the e-mail address", field="password")
