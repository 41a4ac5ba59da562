"""Stored near-duplicate band keys and "what is similar to this?" as one indexed query, for any content kind.

Each stored item keeps the LSH band keys of its text in an array field, `similarity_keys`, under a
multikey index. A lookup is one query, `{"similarity_keys": {"$in": keys}, **scope}`, reading at most
CANDIDATE_LIMIT candidates; those sharing the most band keys with the probe (at most CONFIRM_LIMIT)
are confirmed by recomputing the MinHash of their text: the detector's own rule, estimated Jaccard
similarity at least THRESHOLD.

Why confirm by MinHash rather than by the count of shared band keys: a pair at the threshold (0.6)
shares on average only 0.6**5 × 32 ≈ 2.5 of 32 band keys, so the count cannot tell 0.5 from 0.7
(1–3 keys either way); it is good for ranking, not for deciding. A signature of a ~150-character
comment costs ~0.15 ms, so confirming 20 candidates costs ~3 ms. Ranking first matters: servers
return candidates in index or insertion order, and in a large campaign the first ones read are
not the closest (bench/campaigns.py: recall of a 1,000-variant campaign among 3,000 comments
went from 96.6% confirming the first 50 read to 97.6% confirming the 20 sharing the most keys of
100 read, with less time grouping: 23.7 instead of 30.9 ms per insert on nx-27017). Signatures
are not stored: 640 bytes per item, and nx-27017 cannot `$set` bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from models.common.db import Collection, Document
from moderation.detectors.near_duplicates import THRESHOLD, Signature, band_keys, signature, similarity

KEYS_FIELD = "similarity_keys"
CANDIDATE_LIMIT = 100  # candidates read per lookup: bounds the work of one insert or one search
CONFIRM_LIMIT = 20  # of those, how many (sharing the most band keys) are confirmed by MinHash


def similarity_keys(text: str | None) -> list[str]:
    """The band keys to store with an item whose text is `text` (none for an empty or missing text)."""
    if not text:
        return []
    return band_keys(signature(text))


@dataclass(frozen=True)
class Probe:
    """What a lookup compares with: a text's signature and its band keys."""

    signature: Signature
    keys: list[str]

    @classmethod
    def of(cls, text: str) -> Probe:
        sig = signature(text)
        return cls(sig, band_keys(sig))


@dataclass(frozen=True)
class Match:
    document: Document
    score: float  # estimated Jaccard similarity of the two texts, THRESHOLD..1


async def similar(
    collection: Collection,
    text_or_probe: str | Probe,
    *,
    scope: Document,
    exclude_id: Any = None,
    limit: int = 5,
    candidates: int = CANDIDATE_LIMIT,
    confirm: int = CONFIRM_LIMIT,
    fields: Sequence[str] = (),
    text_field: str = "text",
    threshold: float = THRESHOLD,
) -> list[Match]:
    """Items in `scope` whose text is a near-duplicate of the probe's, most similar first, at most `limit`.

    One query `{similarity_keys: {$in: keys}, **scope}` reading at most `candidates` documents, with
    only `_id`, the text, the keys and `fields` projected; of those, the `confirm` sharing the most
    band keys with the probe are confirmed by MinHash. `scope` should hold an equality the index leads with
    (e.g. the consultation), so the query stays within one index range on any server.
    """
    probe = text_or_probe if isinstance(text_or_probe, Probe) else Probe.of(text_or_probe)
    if not probe.keys or limit <= 0:
        return []
    query: Document = {**scope, KEYS_FIELD: {"$in": probe.keys}}
    if exclude_id is not None:
        query["_id"] = {"$ne": exclude_id}
    projection = {text_field: 1, KEYS_FIELD: 1, **{name: 1 for name in fields}}
    found = await collection.find(query, projection, limit=candidates).to_list()
    # The more band keys a candidate shares, the likelier it is similar (a band matches with
    # probability s**5): the few confirmed are the likeliest, whichever order the server returned.
    wanted = set(probe.keys)
    shared = [len(wanted.intersection(document.get(KEYS_FIELD) or ())) for document in found]
    ranked = [document for _, document in sorted(zip(shared, found, strict=True), key=lambda pair: -pair[0])]
    if KEYS_FIELD not in fields:
        for document in ranked:
            document.pop(KEYS_FIELD, None)
    matches = []
    for document in ranked[:confirm]:
        text = document.get(text_field)
        if not text:
            continue
        score = similarity(probe.signature, signature(text))
        if score >= threshold:
            matches.append(Match(document, score))
    matches.sort(key=lambda match: match.score, reverse=True)
    return matches[:limit]
