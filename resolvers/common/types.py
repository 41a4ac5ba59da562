"""Small GraphQL types every domain uses."""

from __future__ import annotations

import strawberry


@strawberry.type(description="Text in Chinese, with English where the product is bilingual.")
class LocalizedText:
    zh: str
    en: str | None = strawberry.field(description="Null where no English text was written.")

    @classmethod
    def from_document(cls, value: dict[str, str]) -> LocalizedText:
        return cls(zh=value.get("zh", ""), en=value.get("en") or None)
