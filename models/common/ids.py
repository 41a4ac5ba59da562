"""Document ids: ObjectIds, parsed from untrusted text with a clear error."""

from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId

from models.common.errors import InvalidInput


def parse_object_id(value: str, *, field: str = "id") -> ObjectId:
    try:
        return ObjectId(value)
    except (InvalidId, TypeError) as exc:
        raise InvalidInput(f"{value!r} is not a valid id", field=field) from exc
