"""The reference audits of the GraphQL-over-HTTP specification (npm `graphql-http`'s serverAudits,
pinned in package-lock.json) against the real server: every one passes, recommendations included."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.support.live_server import ROOT

AUDIT_SCRIPT = ROOT / "tests" / "support" / "graphql_http_audit.mjs"
EXPECTED_AUDITS = 61  # graphql-http 1.23.1; a new version with more audits should raise this


def run_audits(url: str) -> list[dict[str, object]]:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "graphql-http").is_dir():
        pytest.fail("the audit needs Node and `npm ci` (make test runs it)")
    finished = subprocess.run(
        [node, str(AUDIT_SCRIPT), url], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert finished.returncode == 0, finished.stderr
    return [json.loads(line) for line in finished.stdout.splitlines()]


def test_every_graphql_over_http_audit_passes(live_server: str) -> None:
    results = run_audits(f"{live_server}/graphql")

    not_ok = [result for result in results if result["status"] != "ok"]
    assert not_ok == []
    assert len(results) == EXPECTED_AUDITS
