"""Full-text search of consultations: Chinese character bigrams and ASCII words, behind one function.

A deployment on MongoDB Atlas can replace `search` with an Atlas Search query (`$search` with a
Chinese analyzer) and keep every caller; `search_terms` is then no longer needed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from models.common.db import Database, Document
from models.common.errors import InvalidInput
from models.common.pagination import Page, PageArgs, PageBounds, SortOrder, paginate
from models.consultations.documents import CONSULTATIONS, ConsultationDocument

# Stored terms per consultation: enough for a long regulation's distinct bigrams, and a bound
# on the document and its index entries. Title and summary come first, so they always count.
MAX_TERMS = 6000
# A long query gains little from more terms but costs an `$all` over each of them.
MAX_QUERY_TERMS = 32

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"[{_CJK}]+|[a-z0-9]+")


def search_terms(text: str, limit: int = MAX_TERMS) -> list[str]:
    """The terms `text` is found by: each Chinese character and each pair of adjacent ones, and each
    lowercase ASCII word or number; deduplicated in order of first appearance, at most `limit`.

    Bigrams stand in for word segmentation, which Chinese text needs and MongoDB's text index
    lacks: a phrase matches when all its bigrams are in the text. NFKC folds full-width letters.
    """
    folded = unicodedata.normalize("NFKC", text).lower()
    terms: dict[str, None] = {}
    for run in _RUNS.findall(folded):
        if run[0].isascii():
            terms[run] = None
        else:
            for index, character in enumerate(run):
                terms[character] = None
                if index + 1 < len(run):
                    terms[run[index : index + 2]] = None
        if len(terms) >= limit:
            break
    return list(terms)[:limit]


def _query_terms(text: str) -> list[str]:
    # Only bigrams (and single-character runs, and words): a match on a phrase's bigrams implies
    # its characters, so looking for those too would only lengthen the `$all`.
    terms: dict[str, None] = {}
    for run in _RUNS.findall(unicodedata.normalize("NFKC", text).lower()):
        pieces: Iterable[str] = (
            [run] if run[0].isascii() or len(run) == 1 else (run[i : i + 2] for i in range(len(run) - 1))
        )
        terms.update(dict.fromkeys(pieces))
    return list(terms)[:MAX_QUERY_TERMS]


async def search(
    db: Database,
    text: str,
    query: Document,
    order: SortOrder,
    args: PageArgs,
    bounds: PageBounds,
    projection: Document | None = None,
) -> Page[ConsultationDocument]:
    """One page of consultations matching `query` whose text contains every term of `text`."""
    terms = _query_terms(text)
    if not terms:
        raise InvalidInput("search for at least one Chinese character, letter or digit", field="search")
    # One flat filter: nx-27017 runs it on its index path, where an `$and` would be a scan.
    return await paginate(
        CONSULTATIONS.of(db), {**query, "search_terms": {"$all": terms}}, order, args, bounds, projection
    )
