"""removeLexiconTerms: an admin removes terms from a lexicon category (built-in ones too)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.moderation import screening_rules
from resolvers.common.context import Info
from resolvers.common.errors import ForbiddenError, InvalidInputError, RateLimitedError
from resolvers.common.mutations import protected_mutation
from resolvers.moderation.types.screening_rules import LexiconCategory, ScreeningRules


@strawberry.input
class RemoveLexiconTermsInput:
    category: LexiconCategory
    terms: list[str] = strawberry.field(description="1–100 terms; those not listed are ignored.")


@strawberry.type
class LexiconTermsRemoved:
    screening_rules: ScreeningRules


RemoveLexiconTermsResult = Annotated[
    LexiconTermsRemoved | InvalidInputError | ForbiddenError | RateLimitedError,
    strawberry.union("RemoveLexiconTermsResult"),
]


@protected_mutation()
async def remove_lexicon_terms(info: Info, input: RemoveLexiconTermsInput) -> RemoveLexiconTermsResult:
    rules = await screening_rules.remove_lexicon_terms(
        info.context.db, info.context.actor, input.category.value, input.terms
    )
    return LexiconTermsRemoved(screening_rules=ScreeningRules.from_rules(rules))
