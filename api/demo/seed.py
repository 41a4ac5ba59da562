"""Creates the demo city through the domain services, as the command line would, once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from secrets import token_urlsafe

from api.demo import city
from models.common.actors import COMMAND_LINE, Actor, Role
from models.common.db import CollectionSpec, Database
from models.departments.documents import DEPARTMENTS
from models.departments.service import create_department
from models.districts.documents import DISTRICTS
from models.districts.service import create_district
from models.identity.citizens import find_or_create_citizen
from models.identity.documents import PEOPLE
from models.identity.people import ProfileChanges, update_own_profile
from models.identity.staff import create_staff
from models.topics.documents import TOPICS
from models.topics.service import create_topic


@dataclass(frozen=True)
class DemoSummary:
    """Whether this run created the demo, and how many of each kind the database now holds."""

    created: bool
    departments: int = 0
    districts: int = 0
    topics: int = 0
    people: int = 0

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
    create: Callable[[Database, DemoSecrets], Awaitable[None]]


@dataclass(frozen=True)
class DemoSecrets:
    """The deployment's secrets a step needs (phone numbers are stored hashed under this key)."""

    phone_key: bytes


async def _departments(db: Database, secrets: DemoSecrets) -> None:
    for department in city.DEPARTMENTS:
        await create_department(db, COMMAND_LINE, department)


async def _districts(db: Database, secrets: DemoSecrets) -> None:
    for district in city.DISTRICTS:
        await create_district(db, COMMAND_LINE, district)


async def _topics(db: Database, secrets: DemoSecrets) -> None:
    for topic in city.TOPICS:
        await create_topic(db, COMMAND_LINE, topic)


async def _people(db: Database, secrets: DemoSecrets) -> None:
    for citizen in city.CITIZENS:
        person = await find_or_create_citizen(
            db,
            phone_number=citizen.phone_number,
            firebase_uid=citizen.firebase_uid,
            phone_key=secrets.phone_key,
        )
        await update_own_profile(
            db,
            Actor(person_id=person["_id"], role=Role.CITIZEN),
            ProfileChanges(public_name=citizen.public_name, district_code=citizen.district_code),
        )
    for staff in city.STAFF:
        # Demo staff have passwords nobody knows: they act through `townhall token --email`.
        await create_staff(db, COMMAND_LINE, replace(staff, password=token_urlsafe(24)))


# In order: a step may refer to what an earlier one created (topics name their departments).
STEPS: tuple[SeedStep, ...] = (
    SeedStep("departments", DEPARTMENTS, _departments),
    SeedStep("districts", DISTRICTS, _districts),
    SeedStep("topics", TOPICS, _topics),
    SeedStep("people", PEOPLE, _people),
)


async def _counts(db: Database) -> dict[str, int]:
    # From collection metadata: constant time however large a later step's collection grows
    # (count_documents scans on the embedded server), and a summary needs no more.
    return {step.name: await step.collection.of(db).estimated_document_count() for step in STEPS}


async def seed_demo(db: Database, secrets: DemoSecrets) -> DemoSummary:
    """Create the demo city; if departments exist already, change nothing and report what is there."""
    # Departments come first and everything hangs off them: any department means this
    # database was seeded (or is a real one), and the demo must not mix into it.
    if await DEPARTMENTS.of(db).find_one({}, projection={"_id": 1}) is not None:
        return DemoSummary(created=False, **await _counts(db))
    for step in STEPS:
        await step.create(db, secrets)
    return DemoSummary(created=True, **await _counts(db))
