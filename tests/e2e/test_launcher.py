"""`make run`'s launcher: starts the three processes, prints where they are, stops them all on Ctrl-C."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from scripts.stack import PYTHON_BIN, ROOT, InternalSecrets, Ports

pytestmark = pytest.mark.e2e


def read_until(process: subprocess.Popen[str], marker: str, timeout: float) -> str:
    """Reads the launcher's output until `marker` appears."""
    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if marker in line:
            return "".join(seen)
    raise AssertionError(f"{marker!r} not printed; output:\n{''.join(seen)}")


def test_launcher_serves_prints_and_stops_cleanly_on_ctrl_c(built_artifacts: None, tmp_path: Path) -> None:
    """Demo mode is said loudly; secrets are generated once into 0600 files in a 0700 directory and the API token is
    printed; every URL answers; SIGINT stops all three."""
    ports = Ports.free()
    given = {"RASA_API_TOKEN", "HANDOFF_SERVICE_KEY", "HANDOFF_ADMIN_TOKEN", "NIMBUS_MODE", *InternalSecrets.VARIABLES}
    env = {key: value for key, value in os.environ.items() if key not in given}
    process = subprocess.Popen(
        [
            str(PYTHON_BIN), "-m", "scripts.run",
            "--rasa-port", str(ports.rasa), "--actions-port", str(ports.actions),
            "--handoff-port", str(ports.handoff), "--data-dir", str(tmp_path),
        ],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        banner = read_until(process, "Ctrl-C stops everything.", timeout=240)
        token = (tmp_path / "rasa_api_token").read_text().strip()
        assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o700
        for name in ("rasa_api_token", "handoff_admin_token", *InternalSecrets.NAMES):
            assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
        assert token in banner
        assert "DEMO MODE" in banner
        assert f"http://127.0.0.1:{ports.handoff}/docs" in banner
        assert f"http://127.0.0.1:{ports.handoff}/chat" in banner
        assert f"http://127.0.0.1:{ports.handoff}/console" in banner
        assert httpx.get(f"http://127.0.0.1:{ports.rasa}/status", params={"token": token}).status_code == 200
        assert httpx.get(f"http://127.0.0.1:{ports.actions}/health").status_code == 200
        assert httpx.get(f"http://127.0.0.1:{ports.handoff}/docs").status_code == 200
        admin = (tmp_path / "handoff_admin_token").read_text().strip()
        handoffs = httpx.get(
            f"http://127.0.0.1:{ports.handoff}/api/v1/handoffs",
            params={"conversation_id": "nobody"},
            headers={"Authorization": f"Bearer {admin}"},
        )
        assert handoffs.status_code == 200
        for name in ("rasa.log", "actions.log", "handoff.log"):
            log = tmp_path / "log" / name
            assert log.stat().st_size > 0
            assert stat.S_IMODE(log.stat().st_mode) == 0o600
            assert admin not in log.read_text(errors="replace"), f"the admin token is in {name}"

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
        for port in (ports.rasa, ports.actions, ports.handoff):
            with pytest.raises(httpx.ConnectError):
                httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
    finally:
        if process.poll() is None:
            process.kill()
