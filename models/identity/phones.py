"""Phone numbers kept as a keyed hash plus the last four digits: enough to recognise, not to read."""

from __future__ import annotations

import hashlib
import hmac
import re

from models.common.errors import InvalidInput
from models.identity.documents import PhoneRecord

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def normalise_phone(phone_number: str) -> str:
    """E.164 form (`+8613800138000`); Firebase gives numbers in this form already."""
    number = re.sub(r"[\s()-]", "", phone_number)
    if not _E164.fullmatch(number):
        raise InvalidInput("a phone number is + and the country code, then 6–14 digits", field="phoneNumber")
    return number


def phone_hash(key: bytes, phone_number: str) -> str:
    """HMAC-SHA256 under the deployment's secret key: a leaked database cannot be brute-forced
    back into numbers without the key (plain hashes of phone numbers can)."""
    return hmac.new(key, normalise_phone(phone_number).encode(), hashlib.sha256).hexdigest()


def phone_record(key: bytes, phone_number: str) -> PhoneRecord:
    number = normalise_phone(phone_number)
    return {"hash": phone_hash(key, number), "last4": number[-4:]}
