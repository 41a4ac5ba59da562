"""Validation of the short texts every domain stores: codes and bilingual names."""

from __future__ import annotations

import re

from models.common.errors import InvalidInput

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
MAX_NAME_LENGTH = 100


def clean_code(value: str, field: str = "code") -> str:
    """A stable short name: 2–40 lowercase letters, digits or hyphens, starting with a letter."""
    code = value.strip().lower()
    if not CODE_PATTERN.fullmatch(code):
        raise InvalidInput(
            "a code is 2–40 lowercase letters, digits or hyphens, starting with a letter", field=field
        )
    return code


def clean_name(value: str, field: str, *, required: bool) -> str:
    """A name with runs of white space folded; at most MAX_NAME_LENGTH characters."""
    name = " ".join(value.split())
    if required and not name:
        raise InvalidInput("a name is required", field=field)
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"a name can be at most {MAX_NAME_LENGTH} characters", field=field)
    return name


def bilingual_name(name_zh: str, name_en: str) -> dict[str, str]:
    """{zh, en}: Chinese required, English optional (the product is bilingual where it can be)."""
    return {
        "zh": clean_name(name_zh, "nameZh", required=True),
        "en": clean_name(name_en, "nameEn", required=False),
    }
