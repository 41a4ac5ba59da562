"""`townhall staff create` against the test database server: the account, and its refusals."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from models.identity.passwords import verify_password

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "tram-lantern-47-quietly"

CliDatabase = tuple[dict[str, str], Database[dict[str, Any]]]


@pytest.fixture
def cli_database(mongodb_uri: str) -> Iterator[CliDatabase]:
    """An environment pointing the CLI at a database of this test's own."""
    name = f"test_cli_{uuid.uuid4().hex[:12]}"
    env = {**os.environ, "MONGODB_URI": mongodb_uri, "TOWNHALL_DB_NAME": name}
    client: MongoClient[dict[str, Any]] = MongoClient(mongodb_uri)
    yield env, client[name]
    client.drop_database(name)
    client.close()


def townhall(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )


class TestStaffCreate:
    def test_creates_an_official_with_a_password_from_stdin(self, cli_database: CliDatabase) -> None:
        env, db = cli_database
        department = townhall(env, "department", "create", "--code", "housing", "--name-zh", "住建局")

        result = townhall(
            env, "staff", "create", "--email", "Li.Wei@example.gov.cn", "--role", "official",
            "--department", "housing", "--name", "李伟", "--password-stdin",
            stdin=f"{PASSWORD}\n",
        )  # fmt: skip

        assert department.returncode == 0 and result.returncode == 0, (department.stderr, result.stderr)
        stored = db.people.find_one({"email": "li.wei@example.gov.cn"})
        housing = db.departments.find_one({"code": "housing"})
        assert stored is not None and housing is not None
        assert result.stdout == f"created staff li.wei@example.gov.cn (official) {stored['_id']}\n"
        assert stored["role"] == "official"
        assert stored["status"] == "active"
        assert stored["public_name"] == "李伟"
        assert stored["department_id"] == housing["_id"]
        assert stored["password"].startswith("scrypt$")
        assert PASSWORD not in stored["password"]
        assert verify_password(PASSWORD, stored["password"]) is True

    def test_a_weak_password_is_refused_with_the_policy_and_nothing_stored(
        self, cli_database: CliDatabase
    ) -> None:
        env, db = cli_database

        result = townhall(
            env, "staff", "create", "--email", "li.wei@example.gov.cn", "--role", "admin", "--password-stdin",
            stdin="short\n",
        )  # fmt: skip

        assert result.returncode == 1
        assert result.stderr == "townhall: a password needs at least 12 characters (password)\n"
        assert "Traceback" not in result.stderr
        assert db.people.count_documents({}) == 0

    def test_an_official_without_a_department_is_refused(self, cli_database: CliDatabase) -> None:
        env, db = cli_database

        result = townhall(
            env, "staff", "create", "--email", "li.wei@example.gov.cn", "--role", "official",
            "--password-stdin", stdin=f"{PASSWORD}\n",
        )  # fmt: skip

        assert result.returncode == 1
        assert "an official belongs to a department" in result.stderr
        assert "Traceback" not in result.stderr
        assert db.people.count_documents({}) == 0

    def test_empty_stdin_is_refused_before_anything_starts(self, cli_database: CliDatabase) -> None:
        env, db = cli_database

        result = townhall(
            env, "staff", "create", "--email", "li.wei@example.gov.cn", "--role", "admin", "--password-stdin"
        )

        assert result.returncode == 1
        assert result.stderr == "townhall: no password on standard input (password)\n"
        assert db.people.count_documents({}) == 0
