"""The `fake_fcm` fixture: one fake FCM server for the whole run, reset before each test that uses it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake_fcm import FakeFcm


@pytest.fixture(scope="session")
def fake_fcm_server() -> Iterator[FakeFcm]:
    """The running server. It sets no environment variable: pass `fake_fcm.environment()` to a
    subprocess, or build Settings from `endpoint`, `project_id` and `static_token`."""
    with FakeFcm() as server:
        yield server


@pytest.fixture(scope="session")
def fake_fcm_service_account(fake_fcm_server: FakeFcm, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A service-account key file the fake trusts (token_uri is the fake's /token)."""
    return fake_fcm_server.write_service_account(tmp_path_factory.mktemp("fake-fcm") / "service-account.json")


@pytest.fixture
def fake_fcm(fake_fcm_server: FakeFcm) -> Iterator[FakeFcm]:
    """The fake FCM server with nothing recorded and no trouble programmed."""
    fake_fcm_server.reset()
    yield fake_fcm_server
    fake_fcm_server.reset()
