"""The screening rules as GraphQL: lexicon terms by category, allowed link domains, flood limits."""

from __future__ import annotations

from enum import Enum

import strawberry

from models.moderation.screening_rules import ActiveRules
from moderation.detectors import lexicon


@strawberry.enum(
    description="The lexicon's categories; a hit holds content with reason `lexicon:<category>`."
)
class LexiconCategory(Enum):
    ABUSE = lexicon.ABUSE
    THREATS = lexicon.THREATS
    SPAM = lexicon.SPAM
    ADVERTISING = lexicon.ADVERTISING


@strawberry.type(description="The terms of one lexicon category, as stored (normalised, lower case).")
class LexiconTerms:
    category: LexiconCategory
    terms: list[str]


@strawberry.type(description="When a person's submissions are held for flooding.")
class FloodLimits:
    repeated_text: int = strawberry.field(
        description="The same text this often in one place within the window is held (spam:repeated_text)."
    )
    repeated_text_window_hours: int
    rate_limit: int = strawberry.field(
        description="More submissions than this within the window are held (flood:rate)."
    )
    rate_window_minutes: int


@strawberry.type(description="The rules automatic screening applies now; admins change them.")
class ScreeningRules:
    version: int = strawberry.field(description="Goes up by one with every change.")
    lexicon: list[LexiconTerms]
    allowed_link_domains: list[str] = strawberry.field(
        description="Links to these domains and their subdomains pass; others hold content (spam:link)."
    )
    flood_limits: FloodLimits

    @classmethod
    def from_rules(cls, rules: ActiveRules) -> ScreeningRules:
        flood = rules.flood
        return cls(
            version=rules.version,
            lexicon=[
                LexiconTerms(category=LexiconCategory(category), terms=terms)
                for category, terms in rules.terms.items()
            ],
            allowed_link_domains=rules.allowed_domains,
            flood_limits=FloodLimits(
                repeated_text=flood.repeated_text,
                repeated_text_window_hours=int(flood.repeated_text_window.total_seconds() // 3600),
                rate_limit=flood.rate_limit,
                rate_window_minutes=int(flood.rate_window.total_seconds() // 60),
            ),
        )
