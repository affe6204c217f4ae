"""Schema-driven fuzz (Schemathesis) of the running handoff service's API as the admin and as an agent: no request,
however malformed, may get a 5xx. Bounded to about a minute; ``bench/security/`` runs it longer."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.handoff.live_server import ADMIN_TOKEN, SERVICE_KEY, LiveHandoff
from tests.security.api_fuzz import fuzz, seed_ids

pytestmark = pytest.mark.e2e

SECONDS = float(os.environ.get("HANDOFF_FUZZ_SECONDS", "45"))
EXAMPLES = int(os.environ.get("HANDOFF_FUZZ_EXAMPLES", "30"))


def test_fuzzed_requests_never_get_a_server_error(built_artifacts: None, tmp_path: Path) -> None:
    """Every operation of /openapi.json, with generated paths, queries and bodies, answers below 500 (with the KB
    index built, since reply suggestions answer a documented 503 without it)."""
    env = {"HANDOFF_RATE_LIMIT_PER_TOKEN": "0"}  # the fuzz is the flood; a 429 would only hide the code behind it
    with LiveHandoff(tmp_path, env=env) as service:
        known = list(seed_ids(service.url, SERVICE_KEY))
        tokens = {"admin": ADMIN_TOKEN, "agent": "demo-agent-claire"}
        report = fuzz(service.url, tokens, known, examples_per_operation=EXAMPLES, seconds=SECONDS)
        assert service.process is not None and service.process.poll() is None, service.log()[-2000:]
    assert report.server_errors == [], "\n".join(report.server_errors[:20])
    assert "POST /api/v1/handoffs/{handoff_id}/replies" in report.operations
    assert "POST /api/v1/realtime/ticket" in report.operations
    assert report.requests > 200, report
    assert any(status < 300 for status in report.by_status), report.by_status
    assert any(400 <= status < 500 for status in report.by_status), report.by_status
