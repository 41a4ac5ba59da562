"""Creates the demo city through the domain services, as the command line would, once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from secrets import token_urlsafe
from zoneinfo import ZoneInfo

from api.demo import city, consultations
from api.demo.consultations import DemoComment, DemoConsultation, DemoReport
from models.common.actors import COMMAND_LINE, Actor, Role
from models.common.calendar import BusinessCalendar, load_calendar
from models.common.clock import Clock, utcnow
from models.common.db import CollectionSpec, Database
from models.consultations.comments import (
    NewComment,
    reply_to_comment,
    submit_comment,
    submit_on_behalf,
    toggle_agree,
)
from models.consultations.documents import (
    CONSULTATIONS,
    Channel,
    CommentDocument,
    ConsultationDocument,
    Stage,
)
from models.consultations.report import (
    assign_to_theme,
    create_theme,
    publish_report,
    set_comment_outcome,
    set_theme_outcome,
)
from models.consultations.service import NewConsultation, close, create_draft, publish
from models.departments.documents import DEPARTMENTS
from models.departments.policy import DepartmentScope
from models.departments.service import create_department
from models.districts.documents import DISTRICTS
from models.districts.service import create_district
from models.identity import repository as people
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
    consultations: int = 0

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
    create: Callable[[Database, DemoRun], Awaitable[None]]


@dataclass(frozen=True)
class DemoSecrets:
    """The deployment's secrets a step needs (phone numbers are stored hashed under this key)."""

    phone_key: bytes


@dataclass(frozen=True)
class DemoRun:
    """What every step is given: the secrets, the deadline calendar, and the moment the demo is set at."""

    secrets: DemoSecrets
    calendar: BusinessCalendar
    now: dt.datetime


async def _departments(db: Database, run: DemoRun) -> None:
    for department in city.DEPARTMENTS:
        await create_department(db, COMMAND_LINE, department)


async def _districts(db: Database, run: DemoRun) -> None:
    for district in city.DISTRICTS:
        await create_district(db, COMMAND_LINE, district)


async def _topics(db: Database, run: DemoRun) -> None:
    for topic in city.TOPICS:
        await create_topic(db, COMMAND_LINE, topic)


async def _people(db: Database, run: DemoRun) -> None:
    for citizen in city.CITIZENS:
        person = await find_or_create_citizen(
            db,
            phone_number=citizen.phone_number,
            firebase_uid=citizen.firebase_uid,
            phone_key=run.secrets.phone_key,
        )
        await update_own_profile(
            db,
            Actor(person_id=person["_id"], role=Role.CITIZEN),
            ProfileChanges(public_name=citizen.public_name, district_code=citizen.district_code),
        )
    for staff in city.STAFF:
        # Demo staff have passwords nobody knows: they act through `townhall token --email`.
        await create_staff(db, COMMAND_LINE, replace(staff, password=token_urlsafe(24)))


# --- consultations: each driven through the services by the people who would do it ----------

# Officials act for their own department only, the strictest setting a deployment can choose.
SCOPE = DepartmentScope()


def _clock(moment: dt.datetime) -> Clock:
    return lambda: moment


def _local(run: DemoRun, offset: dt.timedelta, hour: int) -> dt.datetime:
    """`hour` o'clock local time on the day `offset` from the demo's moment (drafts open at office hours)."""
    zone = ZoneInfo(run.calendar.time_zone)
    day = (run.now + offset).astimezone(zone).date()
    return dt.datetime.combine(day, dt.time(hour), zone).astimezone(dt.UTC)


async def _staff_actor(db: Database, email: str) -> Actor:
    person = await people.find_by_email(db, email)
    if person is None:  # the people step runs first; a typo in the demo data lands here
        raise LookupError(f"the demo has no staff account {email}")
    return Actor(
        person_id=person["_id"], role=Role(person["role"]), department_id=person.get("department_id")
    )


async def _citizen_actors(db: Database, run: DemoRun) -> dict[str, Actor]:
    """The demo residents as they act in the app, by phone number."""
    actors: dict[str, Actor] = {}
    for citizen in city.CITIZENS:
        person = await people.find_by_phone(db, run.secrets.phone_key, citizen.phone_number)
        if person is None:
            raise LookupError(f"the demo has no resident with the number {citizen.phone_number}")
        actors[citizen.phone_number] = Actor(person_id=person["_id"], role=Role.CITIZEN)
    return actors


@dataclass(frozen=True)
class _Cast:
    """Who acts on one consultation: its department's official, the residents and the hotline helper."""

    official: Actor
    citizens: dict[str, Actor]
    helper: Actor


async def _comment(
    db: Database,
    run: DemoRun,
    cast: _Cast,
    consultation: ConsultationDocument,
    opened: dt.datetime,
    demo: DemoComment,
) -> CommentDocument:
    """Submit one comment (through the helper if it came by another channel), then its agrees and reply."""
    at = opened + demo.after
    clause_id = None if demo.clause is None else consultation["clauses"][demo.clause - 1]["id"]
    new = NewComment(consultation["_id"], clause_id, demo.stance, demo.text)
    if demo.channel is Channel.APP:
        comment = await submit_comment(db, cast.citizens[demo.author], new, now=_clock(at))
    else:
        comment = await submit_on_behalf(
            db,
            cast.helper,
            phone_number=demo.author,
            phone_key=run.secrets.phone_key,
            channel=demo.channel,
            new=new,
            now=_clock(at),
        )
    for order, phone_number in enumerate(demo.agreed_by, start=1):
        later = _clock(at + dt.timedelta(hours=3 * order))
        await toggle_agree(db, cast.citizens[phone_number], comment["_id"], now=later)
    if demo.reply is not None:
        later = _clock(at + dt.timedelta(days=1))
        await reply_to_comment(db, cast.official, comment["_id"], demo.reply, SCOPE, now=later)
    return comment


async def _conclude(
    db: Database,
    run: DemoRun,
    cast: _Cast,
    consultation: ConsultationDocument,
    report: DemoReport,
    comments: Sequence[tuple[DemoComment, CommentDocument]],
) -> None:
    """Close at the closing time (as the sweep would have), give every comment an outcome, report."""
    closes_at: dt.datetime = consultation["closes_at"]
    await close(db, cast.official, consultation["_id"], SCOPE, run.calendar, now=_clock(closes_at))
    reported_at = closes_at + report.after_close
    drafting = _clock(reported_at - dt.timedelta(days=1))
    for theme in report.themes:
        stored = await create_theme(db, cast.official, consultation["_id"], theme.title, SCOPE, now=drafting)
        members = [comment["_id"] for demo, comment in comments if demo.theme == theme.title]
        await assign_to_theme(db, cast.official, members, stored["_id"], SCOPE)
        outcome = theme.outcome
        await set_theme_outcome(
            db, cast.official, stored["_id"], outcome.outcome, outcome.reason, SCOPE, now=drafting
        )
    for demo, comment in comments:
        if demo.outcome is not None:
            await set_comment_outcome(
                db,
                cast.official,
                comment["_id"],
                demo.outcome.outcome,
                demo.outcome.reason,
                SCOPE,
                now=drafting,
            )
    changed = [consultation["clauses"][position - 1]["id"] for position in report.changed_clauses]
    await publish_report(
        db, cast.official, consultation["_id"], report.summary, changed, SCOPE, now=_clock(reported_at)
    )


async def _consultation(db: Database, run: DemoRun, cast: _Cast, demo: DemoConsultation) -> None:
    """Draft, publish, comment on and (for a concluded one) report on one consultation, each at its time."""
    opens_at = _local(run, demo.opens, 9)
    draft = await create_draft(
        db,
        cast.official,
        NewConsultation(
            department_code=demo.department_code,
            title=demo.title,
            summary=demo.summary,
            clauses=demo.clauses,
            opens_at=opens_at,
            closes_at=_local(run, demo.opens + dt.timedelta(days=demo.open_days), 18),
            district_codes=demo.district_codes,
            topic_codes=demo.topic_codes,
        ),
        SCOPE,
        now=_clock(run.now + demo.drafted),
    )
    if demo.stage is Stage.DRAFT:
        return
    consultation = await publish(db, cast.official, draft["_id"], SCOPE, now=_clock(opens_at))
    # In the order they came: a comment's place in lists follows its id, made as it is stored.
    comments = [
        (comment, await _comment(db, run, cast, consultation, opens_at, comment))
        for comment in sorted(demo.comments, key=lambda comment: comment.after)
    ]
    if demo.stage is Stage.CONCLUDED:
        if demo.report is None:
            raise ValueError(f"the demo consultation {demo.title} is concluded without a report")
        await _conclude(db, run, cast, consultation, demo.report, comments)


async def _consultations(db: Database, run: DemoRun) -> None:
    citizens = await _citizen_actors(db, run)
    helper = await _staff_actor(db, consultations.HOTLINE_HELPER)
    for demo in consultations.CONSULTATIONS:
        cast = _Cast(await _staff_actor(db, demo.official_email), citizens, helper)
        await _consultation(db, run, cast, demo)


# In order: a step may refer to what an earlier one created (topics name their departments).
STEPS: tuple[SeedStep, ...] = (
    SeedStep("departments", DEPARTMENTS, _departments),
    SeedStep("districts", DISTRICTS, _districts),
    SeedStep("topics", TOPICS, _topics),
    SeedStep("people", PEOPLE, _people),
    SeedStep("consultations", CONSULTATIONS, _consultations),
)


async def _counts(db: Database) -> dict[str, int]:
    # From collection metadata: constant time however large a later step's collection grows
    # (count_documents scans on the embedded server), and a summary needs no more.
    return {step.name: await step.collection.of(db).estimated_document_count() for step in STEPS}


async def seed_demo(
    db: Database,
    secrets: DemoSecrets,
    *,
    calendar: BusinessCalendar | None = None,
    now: Clock = utcnow,
) -> DemoSummary:
    """Create the demo city; if departments exist already, change nothing and report what is there.

    Its consultations are dated from `now`: one open for two more weeks, one concluded a month ago.
    Without a `calendar`, the packaged one, lenient: the demo's dates follow today's, which may
    pass the last year whose holidays it lists.
    """
    # Departments come first and everything hangs off them: any department means this
    # database was seeded (or is a real one), and the demo must not mix into it.
    if await DEPARTMENTS.of(db).find_one({}, projection={"_id": 1}) is not None:
        return DemoSummary(created=False, **await _counts(db))
    run = DemoRun(secrets, calendar or load_calendar(strict=False), now())
    for step in STEPS:
        await step.create(db, run)
    return DemoSummary(created=True, **await _counts(db))
