"""The two systems under test: ours (the three processes via scripts/stack.py) and a stock `rasa init` assistant."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from scripts.ports import free_port
from scripts.scaling import Scaling
from scripts.stack import RASA_BIN, ROOT, Service, Stack, StackConfig, StackError, wait_ready


@dataclass(frozen=True)
class Served:
    """A running system as the load generator sees it."""

    name: str
    rasa_url: str
    rasa_token: str | None
    handoff_url: str | None = None
    handoff_token: str | None = None
    actions_url: str | None = None
    service_key: str | None = None
    actions_token: str | None = None  # what Rasa sends the action server
    pids: Mapping[str, int] = field(default_factory=dict)  # process name -> pid, for CPU accounting


def build_ours() -> None:
    """The Rasa model and the KB index, built by the Make targets `make run` uses (cached when unchanged)."""
    subprocess.run(["make", "-s", "train", "kb"], cwd=ROOT, check=True)


# A load generator is one client sending far more than any customer: the per-sender and per-IP limits would
# measure themselves instead of the system.
LOAD_ENV = {"RASA_RATE_LIMIT_PER_SENDER": "0", "RASA_RATE_LIMIT_PER_IP": "0", "HANDOFF_RATE_LIMIT_PER_TOKEN": "0"}


@contextmanager
def ours(data_dir: Path, scaling: Scaling | None = None) -> Iterator[Served]:
    """Our three processes on free ports with their own data directory; always stopped on exit."""
    config = StackConfig.throwaway(data_dir, "bench", scaling=scaling or Scaling(), extra_env=LOAD_ENV)
    with Stack(config) as stack:
        yield Served(
            name="ours",
            rasa_url=config.rasa_url,
            rasa_token=config.rasa_api_token,
            handoff_url=config.handoff_url,
            handoff_token=config.handoff_admin_token,
            actions_url=config.actions_url,
            service_key=config.handoff_service_key,
            actions_token=config.internal.action_server_token,
            pids={service.name: service.process.pid for service in stack.services if service.process},
        )


def init_stock(project_dir: Path) -> Path:
    """A stock `rasa init` project in `project_dir` (created and trained once, reused afterwards); its model."""
    models = sorted((project_dir / "models").glob("*.tar.gz")) if project_dir.exists() else []
    if not models:
        project_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [str(RASA_BIN), "init", "--no-prompt", "--init-dir", str(project_dir)],
            cwd=project_dir,
            env=_stock_env(),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        models = sorted((project_dir / "models").glob("*.tar.gz"))
    if not models:
        raise StackError(f"rasa init produced no model under {project_dir / 'models'}")
    return models[-1]


def _stock_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("VIRTUAL_ENV")}
    env.update({"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1"})
    env.pop("PYTHONPATH", None)
    return env


@contextmanager
def stock(project_dir: Path, log_dir: Path, token: str = "bench-stock-token") -> Iterator[Served]:
    """`rasa run --enable-api` of the stock project (no action server: its endpoints need none)."""
    model = init_stock(project_dir)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    service = Service(
        name="stock-rasa",
        command=[
            str(RASA_BIN),
            "run",
            "--enable-api",
            f"--auth-token={token}",
            "--port",
            str(port),
            "--model",
            str(model),
            "--endpoints",
            str(project_dir / "endpoints.yml"),
            "--credentials",
            str(project_dir / "credentials.yml"),
        ],
        env=_stock_env(),
        ready_url=f"{url}/status?token={token}",
        log_path=log_dir / "stock-rasa.log",
    )
    service.start()
    try:
        _wait_ready(service, timeout_seconds=240.0)
        assert service.process is not None
        yield Served(name="stock", rasa_url=url, rasa_token=token, pids={"rasa": service.process.pid})
    finally:
        service.stop()


def _wait_ready(service: Service, timeout_seconds: float) -> None:
    with httpx.Client(timeout=2.0) as http:
        wait_ready(service, http, time.monotonic() + timeout_seconds)


__all__ = ["Served", "build_ours", "init_stock", "ours", "stock"]
