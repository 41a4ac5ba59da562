"""JSON encoding of GraphQL responses; a large one is encoded off the event loop, in pieces.

The C encoder holds the GIL for the whole of one `json.dumps`, even in a thread, so a large
response is cut into pieces of bounded size: between them the loop thread gets its turn.
"""

from __future__ import annotations

import json
from typing import Any

from api.cpu_work import off_the_loop

LARGE = 5_000  # a response weighing at least this much is encoded off the loop (weighing stops here)
PIECE = 20_000  # the most one json.dumps call encodes: about two milliseconds
_TEXT_PER_UNIT = 16  # characters of text that weigh as much as one value


def encode(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def weight(value: Any, enough: int) -> int:
    """Values in `value`, long texts counting more, stopping once `enough` is reached."""
    total, stack = 0, [value]
    while stack and total < enough:
        item = stack.pop()
        total += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            total += len(item) // _TEXT_PER_UNIT
    return total


def encode_in_pieces(value: Any) -> str:
    """The same text as `encode(value)`, made by json.dumps calls of at most about PIECE each."""
    if weight(value, PIECE) < PIECE:
        return encode(value)
    if isinstance(value, dict):
        members = (f"{encode(str(key))}:{encode_in_pieces(item)}" for key, item in value.items())
        return "{" + ",".join(members) + "}"
    if isinstance(value, list):
        return "[" + ",".join(encode_in_pieces(item) for item in value) + "]"
    return encode(value)  # one long text: nothing to cut


async def encode_response(value: Any) -> str | None:
    """The encoded response when it is large (encoded off the loop); None when it is small."""
    if weight(value, LARGE) < LARGE:
        return None
    return await off_the_loop(lambda: encode_in_pieces(value))


class EncodedResponse(dict[str, Any]):
    """A response that carries its JSON text, encoded already (off the loop)."""

    def __init__(self, response: dict[str, Any], text: str) -> None:
        super().__init__(response)
        self.text = text
