"""The `townhall` command line: departments and demo data, against the test database server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jwt
from bson import ObjectId

from tests.support.cli import townhall


class TestDepartmentCreate:
    def test_creates_a_department_under_its_parent(self, cli_database) -> None:
        env, db = cli_database

        top = townhall(env, "department", "create", "--code", "city-office", "--name-zh", "市政府办公室")
        child = townhall(
            env, "department", "create", "--code", "housing", "--name-zh", "住建局", "--name-en", "Housing",
            "--parent", "city-office",
        )  # fmt: skip

        assert top.returncode == 0 and child.returncode == 0, (top.stderr, child.stderr)
        assert child.stdout.startswith("created department housing (")
        stored = db.departments.find_one({"code": "housing"})
        parent = db.departments.find_one({"code": "city-office"})
        assert stored["name"] == {"zh": "住建局", "en": "Housing"}
        assert stored["parent_id"] == parent["_id"]
        assert stored["ancestors"] == [parent["_id"]]

    def test_a_bad_code_is_refused_with_a_message_and_nothing_stored(self, cli_database) -> None:
        env, db = cli_database

        result = townhall(env, "department", "create", "--code", "Bad Code!", "--name-zh", "某局")

        assert result.returncode == 1
        assert "a code is 2–40 lowercase letters" in result.stderr
        assert "Traceback" not in result.stderr
        assert db.departments.count_documents({}) == 0

    def test_an_unknown_parent_is_refused(self, cli_database) -> None:
        env, db = cli_database

        result = townhall(
            env, "department", "create", "--code", "parks", "--name-zh", "园林局", "--parent", "nope"
        )

        assert result.returncode == 1
        assert "no department has the code 'nope'" in result.stderr
        assert db.departments.count_documents({}) == 0


class TestSeedDemo:
    def test_seeds_an_empty_database_once(self, cli_database) -> None:
        env, db = cli_database

        first = townhall(env, "seed-demo")
        second = townhall(env, "seed-demo")

        assert first.returncode == 0 and second.returncode == 0, (first.stderr, second.stderr)
        assert db.departments.count_documents({}) == 14
        assert db.districts.count_documents({}) == 6
        assert first.stdout != second.stdout


class TestSettings:
    def test_a_bad_setting_is_a_clear_error(self, cli_database) -> None:
        env, _ = cli_database

        result = townhall({**env, "TOWNHALL_MAX_PAGE_SIZE": "lots"}, "seed-demo")

        assert result.returncode == 2
        assert result.stderr.strip() == "townhall: TOWNHALL_MAX_PAGE_SIZE must be a whole number, got 'lots'"

    def test_a_missing_calendar_file_stops_the_server_with_a_message(
        self, cli_database, tmp_path: Path
    ) -> None:
        env, _ = cli_database

        result = townhall(
            {**env, "TOWNHALL_CALENDAR_FILE": str(tmp_path / "none.json")}, "serve", "--port", "1"
        )

        assert result.returncode == 2
        assert result.stderr.startswith("townhall: the business-day calendar cannot be used:")
        assert "none.json" in result.stderr


class TestToken:
    def test_prints_a_working_access_token_for_a_demo_citizen(self, cli_database) -> None:
        env, db = cli_database
        assert townhall(env, "seed-demo").returncode == 0

        result = townhall(env, "token", "--phone", "+8613800000001")

        assert result.returncode == 0, result.stderr
        claims = jwt.decode(result.stdout.strip(), options={"verify_signature": False})
        person = db.people.find_one({"_id": ObjectId(claims["sub"])})
        assert person["public_name"] == "东湖老王"
        assert claims["role"] == "citizen"

    def test_prints_a_token_for_a_demo_official(self, cli_database) -> None:
        env, _ = cli_database
        townhall(env, "seed-demo")

        result = townhall(env, "token", "--email", "zhang.wei@housing.linchuan.gov.cn")

        claims = jwt.decode(result.stdout.strip(), options={"verify_signature": False})
        assert (claims["role"], claims["dept"] is not None) == ("official", True)

    def test_an_unknown_person_is_a_clear_error(self, cli_database) -> None:
        env, _ = cli_database

        result = townhall(env, "token", "--phone", "+8613999999999")

        assert result.returncode == 1
        assert "nobody signs in with +8613999999999" in result.stderr


class TestProductionGuards:
    def test_the_auth_emulator_is_refused_in_production(self, cli_database) -> None:
        env, _ = cli_database
        env = {**env, "TOWNHALL_ENV": "production", "FIREBASE_AUTH_EMULATOR_HOST": "127.0.0.1:9099"}

        result = townhall(env, "seed-demo")

        assert result.returncode == 2
        assert result.stderr.strip() == "townhall: FIREBASE_AUTH_EMULATOR_HOST must not be set in production"

    def test_production_needs_signing_keys(self, cli_database, tmp_path: Path) -> None:
        env, _ = cli_database
        env = {**env, "TOWNHALL_ENV": "production", "TOWNHALL_DATA_DIR": str(tmp_path)}
        env.pop("FIREBASE_AUTH_EMULATOR_HOST", None)

        by_email = townhall(env, "token", "--email", "admin@linchuan.gov.cn")
        by_phone = townhall(env, "token", "--phone", "+8613800000001")

        assert by_email.returncode == by_phone.returncode == 2
        assert by_email.stderr.strip() == (
            "townhall: TOWNHALL_SIGNING_KEYS must name the signing key files in production"
        )
        assert by_phone.stderr.strip() == by_email.stderr.strip()


class TestWorker:
    def test_once_closes_a_consultation_past_its_closing_time(self, cli_database) -> None:
        env, db = cli_database
        closes_at = dt.datetime(2025, 9, 30, 8, 0, tzinfo=dt.UTC)  # 16:00 in Shanghai
        db.consultations.insert_one(
            {"title": "电动自行车停放管理规定（草案）", "stage": "OPEN", "closes_at": closes_at, "v": 1}
        )

        result = townhall(env, "worker", "--once")

        assert result.returncode == 0, result.stderr
        stored = db.consultations.find_one({})
        assert stored["stage"] == "CLOSED"
        assert stored["closed_at"].replace(tzinfo=dt.UTC) == closes_at
        # 20 business days after 30 September, across National Day (1–8 October): 4 November.
        due = stored["report_due_at"].replace(tzinfo=dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8)))
        assert due.date() == dt.date(2025, 11, 4)


class TestScreeningFloodLimits:
    def test_sets_the_flood_limits_and_audits_the_change(self, cli_database) -> None:
        env, db = cli_database

        result = townhall(
            env, "screening", "flood-limits", "--repeated-text", "5", "--repeated-text-hours", "12",
            "--rate-limit", "20", "--rate-minutes", "5",
        )  # fmt: skip

        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("flood limits set: the 5th identical text within 12 h")
        stored = db.screening_rules.find_one({"_id": "rules"})
        assert stored["flood"] == {
            "repeated_text": 5,
            "repeated_text_hours": 12,
            "rate_limit": 20,
            "rate_minutes": 5,
        }
        [entry] = db.audit_log.find({"action": "screening.flood_limits_set"})
        assert entry["details"] == stored["flood"]

    def test_limits_out_of_range_are_refused_and_nothing_changes(self, cli_database) -> None:
        env, db = cli_database

        result = townhall(env, "screening", "flood-limits", "--repeated-text", "1")

        assert result.returncode == 1
        assert "a text repeats 2–100 times within 1–168 whole hours (repeatedText)" in result.stderr
        assert "Traceback" not in result.stderr
        assert db.screening_rules.count_documents({}) == 0
