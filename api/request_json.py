"""JSON from clients (request bodies, GET variables, websocket frames): UTF-8, bounded in depth."""

from __future__ import annotations

import json
import re

# Deep enough for any real request (an operation's variables nest a few levels), far below the
# interpreter's recursion limit, which json and graphql-core's coercion would otherwise hit first.
MAX_DEPTH = 100

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class UnreadableJSON(json.JSONDecodeError):
    """JSON a client sent that Townhall does not read; `reason` says why, for the client.

    A JSONDecodeError, so Strawberry's own handling of unparsable JSON (a websocket frame closes
    with 4400) applies to it too.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason, "", 0)
        self.args = (reason,)
        self.reason = reason


def nesting_depth_exceeds(text: str, max_depth: int) -> bool:
    """Whether arrays and objects in `text` nest deeper than `max_depth`, found without recursion."""
    if text.count("[") + text.count("{") <= max_depth:
        return False  # the common case: too few brackets to nest that deep
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            if depth > max_depth:
                return True
        else:
            depth -= 1
    return False


def decode(data: str | bytes, max_depth: int = MAX_DEPTH) -> object:
    """The value of a JSON text sent by a client; UnreadableJSON when it is not UTF-8, nests deeper
    than `max_depth`, or is not JSON."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise UnreadableJSON(
                f"The JSON is not valid UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start})."
            ) from error
    else:
        text = data
    if nesting_depth_exceeds(text, max_depth):
        raise UnreadableJSON(f"The JSON nests arrays and objects deeper than {max_depth} levels.")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableJSON("Unable to parse request body as JSON") from error  # Strawberry's words
    except ValueError as error:  # e.g. an integer of more digits than Python converts
        raise UnreadableJSON(f"The JSON cannot be read: {error}.") from error
