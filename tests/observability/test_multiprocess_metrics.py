"""The handoff service with two uvicorn workers in prometheus_client's multi-process mode: every scrape, whichever
worker answers it, sums the counts of both."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from scripts.ports import free_port
from scripts.stack import PYTHON_BIN, ROOT
from tests.handoff.testkit import handoff_body

SERVICE_KEY = "multiprocess-service-key"
AUTH = {"Authorization": f"Bearer {SERVICE_KEY}"}


def created_total(text: str) -> float:
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith("handoff_created_total{"))


def test_two_workers_count_together(tmp_path: Path) -> None:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    port = free_port()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "HANDOFF_DATABASE_URL": f"sqlite:///{tmp_path / 'handoff.sqlite3'}",
        "HANDOFF_DATA_DIR": str(tmp_path),
        "HANDOFF_SERVICE_KEY": SERVICE_KEY,
        "HANDOFF_RATE_LIMIT_SERVICE": "0",
        "NIMBUS_MODE": "demo",
    }
    command = [str(PYTHON_BIN), "-m", "uvicorn", "handoff.main:app", "--port", str(port), "--workers", "2"]
    with (tmp_path / "handoff.log").open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail((tmp_path / "handoff.log").read_text(errors="replace")[-3000:])
            time.sleep(0.3)
        for _ in range(6):  # a new connection each time, so both workers get some
            response = httpx.post(f"{base}/api/v1/handoffs", json=handoff_body(language="en"), headers=AUTH)
            assert response.status_code == 201, response.text
        scrapes = [httpx.get(f"{base}/metrics", headers=AUTH, timeout=10).text for _ in range(6)]
        assert [created_total(text) for text in scrapes] == [6.0] * 6
        assert all("handoff_outbox_depth 0.0" in text for text in scrapes)
        assert len(list(metrics_dir.glob("counter_*.db"))) >= 1
    finally:
        process.terminate()
        process.wait(timeout=20)
