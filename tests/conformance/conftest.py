"""Fixtures of the conformance suite: scratch collections in the per-test database."""

from __future__ import annotations

import pytest

from models.common.db import Collection, Database
from tests.conformance.support import OTHER, SCRATCH


@pytest.fixture
def coll(db: Database) -> Collection:
    return db[SCRATCH]


@pytest.fixture
def other_coll(db: Database) -> Collection:
    return db[OTHER]
