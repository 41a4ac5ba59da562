"""Fixtures of the outbox tests."""

from __future__ import annotations

import pytest

from tests.outbox.factories import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
