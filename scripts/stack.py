"""Starts, watches and stops the three processes of the system: Rasa server, action server, handoff service.

`make run` uses it on the default ports; end-to-end tests use it on free ports with their own data directory.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from scripts.lifecycle import Started
from scripts.ports import free_port
from scripts.scaling import Scaling

ROOT = Path(__file__).resolve().parent.parent
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"  # stock `rasa`, for the benchmarks against it
RASA_PYTHON_BIN = ROOT / ".venv-rasa" / "bin" / "python"
PYTHON_BIN = ROOT / ".venv" / "bin" / "python"
MODEL_PATH = ROOT / "models" / "rasa" / "nimbus.tar.gz"  # what `make train` builds
KB_INDEX_DIR = ROOT / "models" / "kb"  # what `make kb` builds


class StackError(RuntimeError):
    """A process of the stack did not start or stopped unexpectedly."""


# Children create their databases, logs and caches readable by their owner only.
CHILD_UMASK = 0o077


@dataclass(frozen=True)
class Ports:
    """Where each process listens."""

    rasa: int = 5005
    actions: int = 5055
    handoff: int = 8080

    @classmethod
    def free(cls) -> Ports:
        return cls(rasa=free_port(), actions=free_port(), handoff=free_port())


@dataclass(frozen=True)
class InternalSecrets:
    """Secrets the processes share among themselves; customers and agents never see them (SECURITY.md)."""

    rasa_jwt_secret: str  # signs the short-lived JWTs internal callers send to Rasa's HTTP API
    action_server_token: str  # Rasa -> action server
    session_secret: str  # Rasa signs web-chat sessions and REST mailbox tokens with it
    rest_token: str  # the REST webhook's server-to-server credential in production mode

    NAMES = ("rasa_jwt_secret", "action_server_token", "session_secret", "rest_token")
    VARIABLES = ("RASA_JWT_SECRET", "ACTION_SERVER_TOKEN", "NIMBUS_SESSION_SECRET", "RASA_REST_TOKEN")

    @classmethod
    def fixed(cls, name: str) -> InternalSecrets:
        """Known values for a throwaway test system (e.g. ``test-action-server-token``)."""
        return cls(**{field: f"{name}-{field.replace('_', '-')}" for field in cls.NAMES})

    def environment(self) -> dict[str, str]:
        return {variable: getattr(self, field) for field, variable in zip(self.NAMES, self.VARIABLES, strict=True)}


@dataclass(frozen=True)
class StackConfig:
    """Everything that differs between `make run` and a test run."""

    ports: Ports
    data_dir: Path  # SQLite files, generated secrets
    log_dir: Path
    model_path: Path
    kb_index_dir: Path
    rasa_api_token: str
    handoff_service_key: str
    internal: InternalSecrets
    handoff_admin_token: str | None = None
    demo: bool = False  # NIMBUS_MODE=demo: demo agents, open REST webhook, public API docs
    extra_env: Mapping[str, str] = field(default_factory=dict)
    scaling: Scaling = field(default_factory=Scaling)

    @classmethod
    def throwaway(cls, data_dir: Path, name: str, **overrides: Any) -> StackConfig:
        """A demo-mode system for tests and benchmarks: free ports, data and logs under `data_dir`, the built model and
        index, and fixed secrets named after `name` (e.g. ``test-rasa-token``)."""
        overrides.setdefault("demo", True)
        return cls(
            ports=Ports.free(),
            data_dir=data_dir,
            log_dir=data_dir / "log",
            model_path=MODEL_PATH,
            kb_index_dir=KB_INDEX_DIR,
            rasa_api_token=f"{name}-rasa-token",
            handoff_service_key=f"{name}-service-key",
            handoff_admin_token=f"{name}-admin-token",
            internal=InternalSecrets.fixed(name),
            **overrides,
        )

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.rasa}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.actions}"

    @property
    def handoff_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.handoff}"

    @property
    def handoff_origins(self) -> list[str]:
        """Where browsers load the web chat from: the only origins Rasa's CORS and socket.io accept by default."""
        return [f"http://127.0.0.1:{self.ports.handoff}", f"http://localhost:{self.ports.handoff}"]


@dataclass
class Service:
    """One child process and how to tell that it is ready."""

    name: str
    command: list[str]
    env: dict[str, str]
    ready_url: str
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        metrics_dir = self.env.get("PROMETHEUS_MULTIPROC_DIR")
        if metrics_dir:  # counts of a previous run's workers must not add up with this run's
            shutil.rmtree(metrics_dir, ignore_errors=True)
            make_private_dir(Path(metrics_dir))
        make_private_dir(self.log_path.parent)
        log = os.fdopen(os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")
        os.chmod(self.log_path, 0o600)
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            umask=CHILD_UMASK,
        )
        log.close()

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def exited(self) -> int | None:
        """The exit code of a process that stopped on its own; None while it runs or after `stop`."""
        return None if self.process is None else self.process.poll()

    def stop(self, grace_seconds: float = 10.0) -> None:
        """Stops the process (SIGTERM, then SIGKILL after the grace period); a stopped service is not 'exited'."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=grace_seconds)
        except ProcessLookupError:
            pass


def make_private_dir(path: Path) -> None:
    """Creates `path` (and parents) if needed and makes it readable by its owner only."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)


# Variables bot/credentials.yml expands; Rasa refuses to start when one is unset, so unset ones become empty
# (a channel without its secret starts and rejects every webhook). See docs/channels.md.
CHANNEL_VARIABLES = (
    "WHATSAPP_VERIFY_TOKEN", "WHATSAPP_APP_SECRET", "WHATSAPP_ACCESS_TOKEN", "WHATSAPP_PHONE_NUMBER_ID",
    "MESSENGER_VERIFY_TOKEN", "MESSENGER_APP_SECRET", "MESSENGER_PAGE_ACCESS_TOKEN",
    "LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN",
    "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_NUMBER", "TWILIO_WEBHOOK_URL",
    "META_GRAPH_BASE", "LINE_API_BASE", "TWILIO_API_BASE", "CHANNELS_DEDUP_REDIS_URL", "WEBCHAT_REDIS_URL",
    "EMAIL_FROM_ADDRESS", "EMAIL_SMTP_HOST", "EMAIL_SMTP_PORT", "EMAIL_SMTP_SECURITY", "EMAIL_SMTP_USERNAME",
    "EMAIL_SMTP_PASSWORD", "EMAIL_SMTP_PASSWORD_FILE", "EMAIL_SMTP_CA_FILE", "EMAIL_INGEST_SECRET",
    "EMAIL_MAILGUN_SIGNING_KEY", "EMAIL_STATE_PATH",
)  # fmt: skip


def _base_env(config: StackConfig) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("VIRTUAL_ENV")}
    env.update({name: env.get(name, "") for name in CHANNEL_VARIABLES})
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "RASA_TELEMETRY_ENABLED": "false",
            "NIMBUS_MODE": "demo" if config.demo else "production",
            "RASA_API_TOKEN": config.rasa_api_token,
            "RASA_CORS_ORIGINS": ",".join(config.handoff_origins),
            "HANDOFF_SERVICE_KEY": config.handoff_service_key,
            "HANDOFF_URL": config.handoff_url,
            "RASA_URL": config.rasa_url,
            "ACTION_SERVER_URL": config.actions_url,
            "KB_INDEX_DIR": str(config.kb_index_dir),
            "RASA_TRACKER_DB": str(config.data_dir / "rasa_tracker.sqlite3"),
            # The handoff service's reports read Rasa's tracker store (read-only).
            "HANDOFF_REPORTS_TRACKER_DB_URL": f"sqlite:///{config.data_dir / 'rasa_tracker.sqlite3'}",
            "ACTIONS_OUTBOX_PATH": str(config.data_dir / "actions_outbox.sqlite3"),
            "HANDOFF_DATABASE_URL": f"sqlite:///{config.data_dir / 'handoff.sqlite3'}",
            "HANDOFF_DATA_DIR": str(config.data_dir),
        }
    )
    env.update(config.internal.environment())
    if config.handoff_admin_token:
        env["HANDOFF_ADMIN_TOKEN"] = config.handoff_admin_token
    env.update(config.scaling.environment())
    if config.scaling.scaled:
        env["HANDOFF_REPORTS_TRACKER_DB_URL"] = config.scaling.database_url(config.scaling.rasa_database)
    env.update(config.extra_env)
    _email_env(env, config.data_dir)
    # One key for the three processes, so their JSON log lines name a conversation by the same pseudonym.
    env["NIMBUS_LOG_PSEUDONYM_KEY"] = env.get("NIMBUS_LOG_PSEUDONYM_KEY") or secrets.token_urlsafe(32)
    return env


def metrics_env(env: dict[str, str], config: StackConfig, service: str) -> dict[str, str]:
    """``env`` plus, with several workers, the service's own prometheus_client multi-process directory (the
    workers of one service count together there; the directory is emptied at each start)."""
    if config.scaling.workers <= 1:  # one directory inherited by all three would mix their counts
        return {name: value for name, value in env.items() if name != "PROMETHEUS_MULTIPROC_DIR"}
    return {**env, "PROMETHEUS_MULTIPROC_DIR": str(config.data_dir / "metrics" / service)}


def _email_env(env: dict[str, str], data_dir: Path) -> None:
    """The e-mail channel's state files in the data directory, and the secret the IMAP poller signs its posts to
    Rasa with (random per start unless configured: only these two processes use it)."""
    env["EMAIL_STATE_PATH"] = env.get("EMAIL_STATE_PATH") or str(data_dir / "email_threads.sqlite3")
    env["EMAIL_IMAP_STATE_PATH"] = env.get("EMAIL_IMAP_STATE_PATH") or str(data_dir / "email_imap.sqlite3")
    env["EMAIL_INGEST_SECRET"] = env.get("EMAIL_INGEST_SECRET") or secrets.token_urlsafe(32)


def build_services(config: StackConfig) -> list[Service]:
    """The three processes, handoff service first (the others call it), Rasa last (it is slowest to start), and the
    IMAP poller when a mailbox is configured."""
    env = _base_env(config)
    return [
        Service(
            name="handoff",
            command=[
                str(PYTHON_BIN),
                "-m",
                "uvicorn",
                "handoff.main:app",
                "--host",
                env.get("HANDOFF_BIND_HOST") or "127.0.0.1",
                "--port",
                str(config.ports.handoff),
                "--workers",
                str(config.scaling.workers),
            ],
            env=metrics_env(env, config, "handoff"),
            ready_url=f"{config.handoff_url}/readyz",
            log_path=config.log_dir / "handoff.log",
        ),
        Service(
            name="actions",
            command=[str(PYTHON_BIN), "-m", "actions.server", "--port", str(config.ports.actions)],
            env=metrics_env(env, config, "actions"),
            ready_url=f"{config.actions_url}/health",
            log_path=config.log_dir / "actions.log",
        ),
        Service(
            name="rasa",
            # Our entry point (bot/server.py) reads the API token and the JWT secret from the environment, so no
            # secret appears in the process list or in a URL.
            command=[
                str(RASA_PYTHON_BIN),
                "-m",
                "bot.server",
                "--port",
                str(config.ports.rasa),
                "--model",
                str(config.model_path),
                "--endpoints",
                "bot/endpoints-scaled.yml" if config.scaling.scaled else "bot/endpoints.yml",
                "--credentials",
                "bot/credentials.yml",
            ],
            env=metrics_env(env, config, "rasa"),
            ready_url=f"{config.rasa_url}/nimbus/ready",
            log_path=config.log_dir / "rasa.log",
        ),
        *_email_poller(env, config),
    ]


def _email_poller(env: dict[str, str], config: StackConfig) -> list[Service]:
    """The IMAP poller (bot/channels/imap_poller.py), only when a mailbox is configured (`EMAIL_IMAP_HOST`)."""
    if not env.get("EMAIL_IMAP_HOST"):
        return []
    command = [str(RASA_PYTHON_BIN), "-m", "bot.channels.imap_poller"]
    return [Service("email-poller", command, env, ready_url="", log_path=config.log_dir / "email-poller.log")]


def wait_ready(service: Service, http: httpx.Client, deadline: float) -> None:
    """Polls the service's readiness URL until it answers 200; raises StackError if it exits or the deadline passes."""
    while True:
        code = service.exited()
        if code is not None:
            raise StackError(f"{service.name} exited with code {code}; log tail:\n{service.log_tail()}")
        if not service.ready_url:  # a worker without an HTTP port is ready once it runs
            return
        try:
            if http.get(service.ready_url).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise StackError(f"{service.name} not ready at {service.ready_url}; log tail:\n{service.log_tail()}")
        time.sleep(0.3)


class Stack(Started):
    """The running system. Use as a context manager: everything stops on exit, even after a failure."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.services = build_services(config)

    def start(self, timeout_seconds: float = 240.0) -> None:
        """Starts every process and waits until each answers its readiness URL."""
        if self.config.scaling.scaled:
            self.config.scaling.ensure_databases()
        for service in self.services:
            service.start()
        deadline = time.monotonic() + timeout_seconds
        with httpx.Client(timeout=2.0) as http:
            for service in self.services:
                wait_ready(service, http, deadline)

    def check_alive(self) -> None:
        """Raises if a process has stopped on its own."""
        for service in self.services:
            code = service.exited()
            if code is not None:
                raise StackError(f"{service.name} exited with code {code}; log tail:\n{service.log_tail()}")

    def restart(self, name: str, timeout_seconds: float = 120.0) -> None:
        """Starts a stopped process again (after `service(name).stop()`) and waits until it is ready."""
        service = self.service(name)
        service.stop()
        service.start()
        with httpx.Client(timeout=2.0) as http:
            wait_ready(service, http, time.monotonic() + timeout_seconds)

    def service(self, name: str) -> Service:
        return next(service for service in self.services if service.name == name)

    def stop(self) -> None:
        """Stops Rasa first (it calls the others), then the action server, then the handoff service."""
        for service in reversed(self.services):
            service.stop()
