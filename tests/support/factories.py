"""Test data made through the services, the way the CLI and the app make it."""

from __future__ import annotations

from models.common.actors import COMMAND_LINE, Role
from models.common.db import Database
from models.departments.documents import DepartmentDocument
from models.departments.service import NewDepartment, create_department
from models.identity.citizens import find_or_create_citizen
from models.identity.documents import PersonDocument
from models.identity.sessions import Session
from models.identity.sign_in import sign_in_person
from models.identity.staff import NewStaff, create_staff
from tests.support.graphql_client import settings_for_tests


async def make_department(
    db: Database, code: str, *, name_zh: str | None = None, parent_code: str | None = None
) -> DepartmentDocument:
    return await create_department(
        db,
        COMMAND_LINE,
        NewDepartment(
            code=code, name_zh=name_zh or f"{code}局", name_en=code.title(), parent_code=parent_code
        ),
    )


STAFF_PASSWORD = "long enough staff password 7"


async def make_citizen(db: Database, phone_number: str = "+8613800138000") -> PersonDocument:
    """A citizen as phone sign-in creates them (the Firebase check itself is tested end to end)."""
    return await find_or_create_citizen(
        db,
        phone_number=phone_number,
        firebase_uid=f"uid-{phone_number}",
        phone_key=settings_for_tests().phone_hash_key(),
    )


async def make_staff(
    db: Database,
    email: str,
    role: Role,
    *,
    department_code: str | None = None,
    password: str = STAFF_PASSWORD,
) -> PersonDocument:
    return await create_staff(
        db, COMMAND_LINE, NewStaff(email=email, role=role, password=password, department_code=department_code)
    )


async def sign_in(db: Database, person: PersonDocument) -> Session:
    """A session with the app's own token policy, as sign-in would start it."""
    return await sign_in_person(db, settings_for_tests().token_policy(), person)


def bearer(session: Session) -> dict[str, str]:
    return {"authorization": f"Bearer {session.access_token}"}
