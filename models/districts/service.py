"""Rules for creating districts."""

from __future__ import annotations

from dataclasses import dataclass

from models.common.actors import Actor
from models.common.clock import utcnow
from models.common.db import Database
from models.common.errors import Conflict, InvalidInput
from models.common.repository import insert_unique
from models.common.text import bilingual_name, clean_code
from models.districts import repository
from models.districts.documents import DISTRICTS, DistrictDocument
from models.districts.policy import require_may_create

# Above any city's size: a larger figure is a typing mistake, not a district.
MAX_POPULATION = 100_000_000


@dataclass(frozen=True)
class NewDistrict:
    code: str
    name_zh: str
    name_en: str = ""
    population: int | None = None


async def create_district(db: Database, actor: Actor, new: NewDistrict) -> DistrictDocument:
    """Create a district (admins only)."""
    require_may_create(actor)
    code = clean_code(new.code)
    name = bilingual_name(new.name_zh, new.name_en)
    if new.population is not None and not 0 <= new.population <= MAX_POPULATION:
        raise InvalidInput(f"a population is a whole number from 0 to {MAX_POPULATION:,}", field="population")
    # The list of districts is not paged; refusing the one past its bound keeps it complete.
    if await repository.count_districts(db) >= repository.MAX_DISTRICTS:
        raise Conflict(f"there can be at most {repository.MAX_DISTRICTS} districts", field="code")
    document = DISTRICTS.new_document(
        {
            "code": code,
            "name": name,
            "population": new.population,
            "created_at": utcnow(),
        }
    )
    return await insert_unique(
        DISTRICTS.of(db),
        document,
        Conflict(f"a district with the code {code!r} exists already", field="code"),
    )
