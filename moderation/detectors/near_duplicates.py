"""Near-duplicate detection: MinHash signatures over character shingles, LSH band keys to store, grouping.

The design keeps each item's band keys in an indexed array field, so "what is similar to this?" is
one indexed `$in` query on the item's own keys (then `similarity` on the few candidates) and works
the same on a laptop and on a sharded cluster. This module is pure: it computes what is stored and
groups items it is given; storage lives in the domains.

Parameters: 160 permutations cut into 32 bands of 5 rows. A pair with Jaccard similarity s shares at
least one band key with probability 1 - (1 - s**5)**32:

    s     0.2    0.3    0.4    0.5    0.6    0.7    0.8
    P     0.010  0.075  0.281  0.638  0.925  0.997  1.000

so pairs at the confirmation threshold (0.6) and above are candidates with high probability, pairs
under 0.3 rarely. (32 bands of 4 rows on 128 permutations reaches 0.988 at 0.6 but lets 23% of
pairs at 0.3 through, which costs a wider query for every lookup.) In a campaign every variant is
linked to the group through any of thousands of members, so a missed pair seldom loses a variant.

Stored signatures and band keys depend on NUM_PERM, SEED, the datasketch scheme and the shingling
below; changing any of them means recomputing what is stored (the golden test pins them).
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
from datasketch import MinHash
from datasketch.hashfunc import sha1_hash32

NUM_PERM = 160
SEED = 20_240_601
BANDS = 32
ROWS = 5
SHINGLE_SIZE = 3
THRESHOLD = 0.6

# Explicit scheme and hash function, so a datasketch release changing its defaults cannot silently
# change what is stored.
_SCHEME = "affine32"
_DTYPE = np.dtype("<u4")
_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=sha1_hash32, scheme=_SCHEME)
_EMPTY = np.full(NUM_PERM, np.iinfo(_DTYPE).max, dtype=_DTYPE)

IdT = TypeVar("IdT", bound=Hashable)


@dataclass(frozen=True)
class Signature:
    """The MinHash of one text: NUM_PERM unsigned 32-bit values, little-endian (640 bytes to store)."""

    values: bytes

    def array(self) -> np.ndarray:
        return np.frombuffer(self.values, dtype=_DTYPE)

    @property
    def is_empty(self) -> bool:
        """True for a text with nothing to compare (only spaces, punctuation or symbols)."""
        return self.values == _EMPTY.tobytes()


def shingle_text(text: str) -> str:
    """The text as it is compared: NFKC (full-width forms fold to ASCII), case-folded, and only letters
    and digits kept, so spacing, punctuation and emoji changes do not make a text look different."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def shingles(text: str) -> set[str]:
    """Overlapping SHINGLE_SIZE-character pieces of the compared text (the whole of a shorter one)."""
    kept = shingle_text(text)
    if len(kept) <= SHINGLE_SIZE:
        return {kept} if kept else set()
    return {kept[i : i + SHINGLE_SIZE] for i in range(len(kept) - SHINGLE_SIZE + 1)}


def signature(text: str) -> Signature:
    pieces = shingles(text)
    if not pieces:
        return Signature(_EMPTY.tobytes())
    # Reusing the template's permutations spares re-deriving them from the seed for every text.
    minhash = MinHash(
        num_perm=NUM_PERM,
        seed=SEED,
        hashfunc=sha1_hash32,
        scheme=_SCHEME,
        permutations=_TEMPLATE.permutations,
    )
    minhash.update_batch([piece.encode("utf-8") for piece in pieces])
    return Signature(np.asarray(minhash.hashvalues, dtype=_DTYPE).tobytes())


def band_keys(sig: Signature, bands: int = BANDS, rows: int = ROWS) -> list[str]:
    """One short key per band, e.g. "7:3fa9c1d2e4b5a607", for an indexed array field: two items that
    share a key agree on all `rows` values of that band. An empty signature has no keys."""
    if bands * rows > NUM_PERM:
        raise ValueError(f"{bands} bands of {rows} rows need more than {NUM_PERM} permutations")
    if sig.is_empty:
        return []
    values = sig.values
    width = rows * _DTYPE.itemsize
    return [
        f"{band}:{hashlib.blake2b(values[band * width : (band + 1) * width], digest_size=8).hexdigest()}"
        for band in range(bands)
    ]


def similarity(a: Signature, b: Signature) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets (0 when either is empty)."""
    if a.is_empty or b.is_empty:
        return 0.0
    return float(np.count_nonzero(a.array() == b.array())) / NUM_PERM


class DuplicateGroups(Generic[IdT]):
    """Groups of near-duplicates among the items added: candidates share a band key, a candidate joins
    when its estimated similarity reaches the threshold, and groups are the connected components.

    Near-linear: each bucket of items sharing a key is compared against at most
    `representatives_per_bucket` of its members (vectorised), never pair by pair.
    """

    def __init__(self, threshold: float = THRESHOLD, representatives_per_bucket: int = 3) -> None:
        self._needed = math.ceil(threshold * NUM_PERM)
        self._representatives = representatives_per_bucket
        self._ids: list[IdT] = []
        self._signatures: list[bytes] = []
        self._buckets: defaultdict[str, list[int]] = defaultdict(list)

    def add(self, item_id: IdT, sig: Signature, keys: Iterable[str]) -> None:
        index = len(self._ids)
        self._ids.append(item_id)
        self._signatures.append(sig.values)
        for key in keys:
            self._buckets[key].append(index)

    def groups(self, min_size: int = 2) -> list[list[IdT]]:
        """Groups of at least `min_size` items, largest first; items keep the order they were added."""
        if not self._ids:
            return []
        matrix = np.frombuffer(b"".join(self._signatures), dtype=_DTYPE).reshape(len(self._ids), NUM_PERM)
        parent = list(range(len(self._ids)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for members in self._buckets.values():
            pending = np.asarray(members)
            for _ in range(self._representatives):
                if len(pending) < 2:
                    break
                representative, rest = int(pending[0]), pending[1:]
                close = np.count_nonzero(matrix[rest] == matrix[representative], axis=1) >= self._needed
                root = find(representative)
                for member in rest[close].tolist():
                    other = find(member)
                    if other != root:
                        parent[other] = root
                pending = rest[~close]

        by_root: defaultdict[int, list[IdT]] = defaultdict(list)
        for index, item_id in enumerate(self._ids):
            by_root[find(index)].append(item_id)
        found = [group for group in by_root.values() if len(group) >= min_size]
        found.sort(key=len, reverse=True)
        return found
