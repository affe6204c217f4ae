"""The handoff service alone as a real uvicorn process on a free port (for attacks from outside, the fuzz and the
console in a browser) when a test needs settings the shared ``system`` fixture does not have, e.g. production mode."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from scripts.lifecycle import Started
from scripts.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
SERVICE_KEY = "live-service-key-0123456789abcdef"
ADMIN_TOKEN = "live-admin-token-0123456789abcdef"


@dataclass
class LiveHandoff(Started):
    """``uvicorn handoff.main:app`` with its own data directory; use as a context manager."""

    data_dir: Path
    env: Mapping[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "log" / "handoff.log"

    def environment(self) -> dict[str, str]:
        """The service's environment: secrets, SQLite under ``data_dir``, Rasa nowhere unless given."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HANDOFF_", "NIMBUS_", "RASA_"))}
        env.update(
            {
                "PYTHONPATH": str(ROOT),
                "HANDOFF_SERVICE_KEY": SERVICE_KEY,
                "HANDOFF_ADMIN_TOKEN": ADMIN_TOKEN,
                "HANDOFF_DATABASE_URL": f"sqlite:///{self.data_dir / 'handoff.sqlite3'}",
                "HANDOFF_DATA_DIR": str(self.data_dir / "var"),
                "HANDOFF_INACTIVITY_CHECK_SECONDS": "0",
                "RASA_URL": f"http://127.0.0.1:{free_port()}",  # nothing listens: deliveries fail
                "RASA_JWT_SECRET": "live-rasa-jwt-secret-0123456789abcdef",
                "NIMBUS_MODE": "demo",
            }
        )
        env.update(self.env)
        return env

    def start(self, timeout: float = 60.0) -> None:
        """Start and wait for ``/readyz``; raise with the log tail if the process exits first."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "handoff.main:app", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=ROOT,
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"handoff service exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"handoff service not ready:\n{self.log()}")

    def wait_exit(self, timeout: float = 60.0) -> int:
        """Wait for a process expected to stop on its own; its exit code."""
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def log(self) -> str:
        """Everything the process printed."""
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 10 s."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
