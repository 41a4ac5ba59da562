"""addLexiconTerms: an admin adds terms to a lexicon category; content containing them is held."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.moderation import screening_rules
from resolvers.common.context import Info
from resolvers.common.errors import ForbiddenError, InvalidInputError, RateLimitedError
from resolvers.common.mutations import protected_mutation
from resolvers.moderation.types.screening_rules import LexiconCategory, ScreeningRules


@strawberry.input
class AddLexiconTermsInput:
    category: LexiconCategory
    terms: list[str] = strawberry.field(
        description="1–100 terms of 2–40 characters; found despite spacing, full-width and traditional forms."
    )


@strawberry.type
class LexiconTermsAdded:
    screening_rules: ScreeningRules


AddLexiconTermsResult = Annotated[
    LexiconTermsAdded | InvalidInputError | ForbiddenError | RateLimitedError,
    strawberry.union("AddLexiconTermsResult"),
]


@protected_mutation()
async def add_lexicon_terms(info: Info, input: AddLexiconTermsInput) -> AddLexiconTermsResult:
    rules = await screening_rules.add_lexicon_terms(
        info.context.db, info.context.actor, input.category.value, input.terms
    )
    return LexiconTermsAdded(screening_rules=ScreeningRules.from_rules(rules))
