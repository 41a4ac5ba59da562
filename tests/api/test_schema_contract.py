"""The committed schema in mobile-contract/ is the schema the code serves; the app's operations validate."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from graphql import build_schema as parse_sdl
from graphql import parse, validate

from api.schema import build_schema

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "mobile-contract" / "schema.graphql"


def test_committed_schema_matches_the_code() -> None:
    assert CONTRACT.read_text() == build_schema().as_str() + "\n", (
        "The schema changed: review the change for the app, then run `make schema` and commit it."
    )


def test_export_schema_prints_the_sdl() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "export-schema"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )

    assert result.stdout == CONTRACT.read_text()


def test_every_app_operation_validates_against_the_schema() -> None:
    schema = parse_sdl(CONTRACT.read_text())
    operations = sorted((ROOT / "mobile-contract" / "operations").glob("*.graphql"))

    assert operations, "the app's operations live in mobile-contract/operations/"
    for path in operations:
        errors = validate(schema, parse(path.read_text()))
        assert not errors, f"{path.name}: {errors}"
