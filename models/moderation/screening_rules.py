"""The screening rules admins edit: lexicon terms by category, allowed link domains, flood limits.

Built-in defaults (the starter lexicon, the starter allow-list, FloodLimits()) apply until admins
change them. Every change bumps a version counter in one small document and goes to the audit log.

Each process keeps the compiled rules per database and reads that version with one `_id` lookup per
submission. Checking every few seconds would save that read, but the flood counters already write
per submission, so the read adds little (and `screen_submission` makes it before the counters, in
the same request), and in exchange a rule an admin adds applies to the very next submission in every
process, with no window in which a new term or a removed domain is still let through.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bson import ObjectId

from models.common.actors import Actor
from models.common.clock import Clock, utcnow
from models.common.db import Database, Document
from models.common.errors import InvalidInput
from models.moderation.audit import append
from models.moderation.documents import LEXICON_TERMS, SCREENING_RULES, FloodRulesDocument
from models.moderation.flood import FloodLimits
from models.moderation.policy import require_admin, require_moderator
from moderation.detectors.lexicon import CATEGORIES, STARTER_ENTRIES, Lexicon
from moderation.detectors.spam import STARTER_ALLOWED_DOMAINS, AllowList, normalise_domain
from moderation.screening import ScreeningRules, normalise_text

RULES_ID = "rules"
TERM_LENGTH = (2, 40)
MAX_TERMS_PER_CHANGE = 100
MAX_DOMAINS = 500
CACHED_DATABASES = 32  # one in production; many in a test run, one per test

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class ActiveRules:
    """The rules in force at `version`: compiled for screening, and as lists for admins to read."""

    version: int
    terms: dict[str, list[str]]  # by category, every category present, terms sorted
    allowed_domains: list[str]
    flood: FloodLimits
    screening: ScreeningRules


_cache: OrderedDict[str, ActiveRules] = OrderedDict()


def clean_term(term: str) -> str:
    """A lexicon term as stored and compared: normalised, casefolded, inner spaces single."""
    return _SPACES.sub(" ", normalise_text(term)).casefold()


def _term_id(category: str, term: str) -> str:
    return f"{category}:{term}"


def _flood_limits(stored: FloodRulesDocument | None) -> FloodLimits:
    if not stored:
        return FloodLimits()
    default = FloodLimits()
    return FloodLimits(
        repeated_text=int(stored.get("repeated_text", default.repeated_text)),
        repeated_text_window=dt.timedelta(hours=stored["repeated_text_hours"])
        if "repeated_text_hours" in stored
        else default.repeated_text_window,
        rate_limit=int(stored.get("rate_limit", default.rate_limit)),
        rate_window=dt.timedelta(minutes=stored["rate_minutes"])
        if "rate_minutes" in stored
        else default.rate_window,
    )


async def load_rules(db: Database) -> ActiveRules:
    """The rules as stored now, compiled; reads the rules document, then the lexicon terms."""
    # The version is read before the terms, and changes write terms before the version: the terms
    # read are never older than the version they are cached under.
    document = await SCREENING_RULES.of(db).find_one({"_id": RULES_ID}) or {}
    listed = {category: {clean_term(term) for term in STARTER_ENTRIES[category]} for category in CATEGORIES}
    async for entry in LEXICON_TERMS.of(db).find({}):
        terms = listed.get(entry.get("category", ""))
        if terms is None:
            continue  # a category this version does not know: never let it stop screening
        if entry.get("active", True):
            terms.add(entry["term"])
        else:
            terms.discard(entry["term"])
    terms_by_category = {category: sorted(terms) for category, terms in listed.items()}
    domains = sorted(document.get("allowed_domains", STARTER_ALLOWED_DOMAINS))
    return ActiveRules(
        version=int(document.get("version", 0)),
        terms=terms_by_category,
        allowed_domains=domains,
        flood=_flood_limits(document.get("flood")),
        screening=ScreeningRules(Lexicon.build(terms_by_category), AllowList(domains)),
    )


async def current_rules(db: Database) -> ActiveRules:
    """The rules in force, compiled once per version and database: one `_id` lookup when unchanged."""
    stored = await SCREENING_RULES.of(db).find_one({"_id": RULES_ID}, {"version": True})
    version = int(stored.get("version", 0)) if stored else 0
    cached = _cache.get(db.name)
    if cached is not None and cached.version == version:
        _cache.move_to_end(db.name)
        return cached
    rules = await load_rules(db)
    _cache[db.name] = rules
    _cache.move_to_end(db.name)
    while len(_cache) > CACHED_DATABASES:
        _cache.popitem(last=False)
    return rules


async def screening_rules(db: Database, actor: Actor) -> ActiveRules:
    """The rules in force, for moderators and admins."""
    require_moderator(actor)
    return await current_rules(db)


def _clean_terms(category: str, terms: Sequence[str]) -> list[str]:
    if category not in CATEGORIES:
        raise InvalidInput(f"the category is one of {', '.join(CATEGORIES)}", field="category")
    if not 1 <= len(terms) <= MAX_TERMS_PER_CHANGE:
        raise InvalidInput(f"give 1–{MAX_TERMS_PER_CHANGE} terms at a time", field="terms")
    cleaned = list(dict.fromkeys(clean_term(term) for term in terms))
    low, high = TERM_LENGTH
    for term in cleaned:
        if not low <= len(term) <= high:
            raise InvalidInput(f"a term is {low}–{high} characters: {term!r}", field="terms")
        try:
            Lexicon.build({category: [term]})  # the lexicon's own rule: enough letters once folded
        except ValueError:
            raise InvalidInput(
                f"a term needs at least two letters or digits: {term!r}", field="terms"
            ) from None
    return cleaned


async def _changed(db: Database, at: dt.datetime, update: Document | None = None) -> ActiveRules:
    """Bump the version (with `update` in the same write), drop this process's copy, reload."""
    changes: Document = {"$inc": {"version": 1}, "$set": {"updated_at": at, **(update or {})}}
    await SCREENING_RULES.of(db).update_one({"_id": RULES_ID}, changes, upsert=True)
    _cache.pop(db.name, None)
    return await current_rules(db)


async def _set_terms(
    db: Database, admin_id: ObjectId, category: str, terms: Iterable[str], *, active: bool, at: dt.datetime
) -> None:
    for term in terms:
        # update_one, not find_one_and_update: nx-27017 mishandles upserts in the latter.
        await LEXICON_TERMS.of(db).update_one(
            {"_id": _term_id(category, term)},
            {
                "$set": {
                    "category": category,
                    "term": term,
                    "active": active,
                    "updated_at": at,
                    "updated_by": admin_id,
                }
            },
            upsert=True,
        )


async def add_lexicon_terms(
    db: Database, admin: Actor, category: str, terms: Sequence[str], *, now: Clock = utcnow
) -> ActiveRules:
    """An admin adds terms to a category; those already listed are left as they are."""
    return await _change_terms(db, admin, category, terms, listed=True, now=now)


async def remove_lexicon_terms(
    db: Database, admin: Actor, category: str, terms: Sequence[str], *, now: Clock = utcnow
) -> ActiveRules:
    """An admin removes terms from a category (starter ones too); terms not listed are ignored."""
    return await _change_terms(db, admin, category, terms, listed=False, now=now)


async def _change_terms(
    db: Database, admin: Actor, category: str, terms: Sequence[str], *, listed: bool, now: Clock
) -> ActiveRules:
    """List (or unlist) the terms of a category that are not (or are) listed now, audited."""
    admin_id = require_admin(admin)
    cleaned = _clean_terms(category, terms)
    before = await current_rules(db)
    changed = [term for term in cleaned if (term in before.terms[category]) is not listed]
    if not changed:
        return before
    at = now()
    await _set_terms(db, admin_id, category, changed, active=listed, at=at)
    rules = await _changed(db, at)
    await append(
        db,
        actor_id=admin_id,
        action="screening.lexicon_terms_added" if listed else "screening.lexicon_terms_removed",
        subject={"kind": "screening_rules", "id": RULES_ID},
        details={"category": category, "terms": changed},
        at=at,
    )
    return rules


async def set_allowed_link_domains(
    db: Database, admin: Actor, domains: Sequence[str], *, now: Clock = utcnow
) -> ActiveRules:
    """An admin replaces the allowed link domains (each allows its subdomains; none: every link is held)."""
    admin_id = require_admin(admin)
    if len(domains) > MAX_DOMAINS:
        raise InvalidInput(f"at most {MAX_DOMAINS} domains", field="domains")
    cleaned: set[str] = set()
    for domain in domains:
        try:
            cleaned.add(normalise_domain(domain))
        except ValueError as error:
            raise InvalidInput(str(error), field="domains") from None
    allowed = sorted(cleaned)
    before = await current_rules(db)
    if allowed == before.allowed_domains:
        return before
    at = now()
    rules = await _changed(db, at, {"allowed_domains": allowed})
    await append(
        db,
        actor_id=admin_id,
        action="screening.allowed_link_domains_set",
        subject={"kind": "screening_rules", "id": RULES_ID},
        details={
            "added": sorted(cleaned - set(before.allowed_domains)),
            "removed": sorted(set(before.allowed_domains) - cleaned),
        },
        at=at,
    )
    return rules


async def set_flood_limits(
    db: Database, admin: Actor, limits: FloodLimits, *, now: Clock = utcnow
) -> ActiveRules:
    """An admin sets when repeated texts and posting rates hold submissions."""
    admin_id = require_admin(admin)
    hours = limits.repeated_text_window / dt.timedelta(hours=1)
    minutes = limits.rate_window / dt.timedelta(minutes=1)
    if not (2 <= limits.repeated_text <= 100 and 1 <= hours <= 24 * 7 and hours.is_integer()):
        raise InvalidInput("a text repeats 2–100 times within 1–168 whole hours", field="repeatedText")
    if not (1 <= limits.rate_limit <= 1000 and 1 <= minutes <= 24 * 60 and minutes.is_integer()):
        raise InvalidInput("a rate is 1–1000 submissions within 1–1440 whole minutes", field="rateLimit")
    stored = {
        "repeated_text": limits.repeated_text,
        "repeated_text_hours": int(hours),
        "rate_limit": limits.rate_limit,
        "rate_minutes": int(minutes),
    }
    at = now()
    rules = await _changed(db, at, {"flood": stored})
    await append(
        db,
        actor_id=admin_id,
        action="screening.flood_limits_set",
        subject={"kind": "screening_rules", "id": RULES_ID},
        details=stored,
        at=at,
    )
    return rules
