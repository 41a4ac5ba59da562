"""Creates the demo city through the domain services, as the command line would, once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from api.demo import city
from models.common.actors import COMMAND_LINE
from models.common.db import CollectionSpec, Database
from models.departments.documents import DEPARTMENTS
from models.departments.service import create_department
from models.districts.documents import DISTRICTS
from models.districts.service import create_district
from models.topics.documents import TOPICS
from models.topics.service import create_topic


@dataclass(frozen=True)
class DemoSummary:
    """Whether this run created the demo, and how many of each kind the database now holds."""

    created: bool
    departments: int = 0
    districts: int = 0
    topics: int = 0

    def describe(self) -> str:
        """One line for the person at the command line."""
        counts = ", ".join(f"{getattr(self, step.name)} {step.name}" for step in STEPS)
        if self.created:
            return f"created the demo city of {city.CITY_NAME_EN} ({city.CITY_NAME_ZH}): {counts}"
        return f"the database has departments already, so the demo was not seeded; it holds {counts}"


@dataclass(frozen=True)
class SeedStep:
    """One kind of demo data: the summary field it fills, where it is stored, how to create it."""

    name: str
    collection: CollectionSpec
    create: Callable[[Database], Awaitable[None]]


async def _departments(db: Database) -> None:
    for department in city.DEPARTMENTS:
        await create_department(db, COMMAND_LINE, department)


async def _districts(db: Database) -> None:
    for district in city.DISTRICTS:
        await create_district(db, COMMAND_LINE, district)


async def _topics(db: Database) -> None:
    for topic in city.TOPICS:
        await create_topic(db, COMMAND_LINE, topic)


# In order: a step may refer to what an earlier one created (topics name their departments).
STEPS: tuple[SeedStep, ...] = (
    SeedStep("departments", DEPARTMENTS, _departments),
    SeedStep("districts", DISTRICTS, _districts),
    SeedStep("topics", TOPICS, _topics),
)


async def _counts(db: Database) -> dict[str, int]:
    # From collection metadata: constant time however large a later step's collection grows
    # (count_documents scans on the embedded server), and a summary needs no more.
    return {step.name: await step.collection.of(db).estimated_document_count() for step in STEPS}


async def seed_demo(db: Database) -> DemoSummary:
    """Create the demo city; if departments exist already, change nothing and report what is there."""
    # Departments come first and everything hangs off them: any department means this
    # database was seeded (or is a real one), and the demo must not mix into it.
    if await DEPARTMENTS.of(db).find_one({}, projection={"_id": 1}) is not None:
        return DemoSummary(created=False, **await _counts(db))
    for step in STEPS:
        await step.create(db)
    return DemoSummary(created=True, **await _counts(db))
