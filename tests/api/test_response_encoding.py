"""Large responses are encoded in pieces off the loop, into exactly the text one json.dumps makes."""

from __future__ import annotations

import json

from api.response_encoding import encode, encode_in_pieces, encode_response

LARGE_RESPONSE = {
    "data": {
        "nodes": [
            {"id": f"id{i}", "text": "临川市电动自行车" * 40, "n": i, "flags": [None, True, 1.5]}
            for i in range(5_000)
        ]
    }
}


def test_pieces_make_the_same_text_as_one_encoding() -> None:
    assert encode_in_pieces(LARGE_RESPONSE) == encode(LARGE_RESPONSE)


async def test_a_large_response_is_encoded() -> None:
    text = await encode_response(LARGE_RESPONSE)

    assert text is not None
    assert json.loads(text) == LARGE_RESPONSE


async def test_a_small_response_is_left_to_the_view() -> None:
    assert await encode_response({"data": {"serverTime": "2026-01-01T00:00:00Z"}}) is None
