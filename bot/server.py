"""The Rasa server of this project: `python -m bot.server --port P --model M --endpoints E --credentials C`.

Rasa's own `rasa run` pieces (channel creation, `configure_app`, agent loading, worker count) with this project's
edge around them, each said at start-up:

* credentials and network settings from the environment only (never argv): `RASA_API_TOKEN` (Rasa's token auth),
  `RASA_JWT_SECRET` (HS256 JWTs, how internal callers authenticate), `RASA_BIND_HOST` (default 127.0.0.1),
  `RASA_CORS_ORIGINS` (exact origins, also for socket.io; never `*`), plus the limits and secrets of
  bot/security/settings.py;
* a log record factory that masks `token=...` and bearer values in every record;
* the supported Rasa version (the `rasa` line of bot/requirements.txt), checked before anything else;
* every Rasa method this project replaces (bot/patches.py: hot-path fixes, the bound on turns in work, the rule that
  customer `/...` text is read as text unless it is an offered button payload), one log line per replaced method;
* body-size and rate limits on every webhook, channel-bound REST mailbox tokens, signed web-chat sessions;
* `GET /nimbus/ready` (open; 200 once the model is loaded) and the admin-JWT privacy routes (bot/nimbus_routes.py).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from functools import partial
from pathlib import Path

import rasa
import rasa.core.run
import rasa.core.utils
import rasa.utils.common
import rasa.utils.tensorflow.environment as tf_env
from packaging.requirements import Requirement
from rasa.constants import ENV_SANIC_BACKLOG
from rasa.core.channels.channel import InputChannel
from rasa.core.utils import AvailableEndpoints
from rasa.shared.exceptions import RasaException
from rasa.utils.log_utils import configure_structlog
from sanic import Sanic

from bot import observability, patches
from bot.metrics import metrics_blueprint, metrics_public
from bot.nimbus_routes import nimbus_blueprint
from bot.security import logfilter
from bot.security.edge import Edge
from bot.security.sanic_edge import install_edge
from bot.security.settings import EdgeSettings, SettingsError
from bot.typing_routes import typing_blueprint

logger = logging.getLogger("bot.server")

# The Rasa environment's requirements: the `rasa` line there is the one statement of the supported versions.
RASA_REQUIREMENTS = Path(__file__).resolve().parent / "requirements.txt"


class StartupError(RuntimeError):
    """The server cannot start as configured (the message says why)."""


def supported_rasa(requirements: Path = RASA_REQUIREMENTS) -> Requirement:
    """The `rasa` requirement of bot/requirements.txt (for example `rasa==3.6.21`)."""
    for line in requirements.read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if text and Requirement(text).name.lower() == "rasa":
            return Requirement(text)
    raise StartupError(f"{requirements} names no rasa version")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot.server", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5005)
    parser.add_argument("--model", required=True, help="trained model archive")
    parser.add_argument("--endpoints", default="bot/endpoints.yml")
    parser.add_argument("--credentials", default="bot/credentials.yml")
    return parser.parse_args(argv)


def check_rasa_version(version: str | None = None, requirements: Path = RASA_REQUIREMENTS) -> str:
    """The installed Rasa version; `StartupError` unless bot/requirements.txt allows it (the patches and the edge
    replace Rasa internals of exactly those versions)."""
    version = rasa.__version__ if version is None else version
    wanted = supported_rasa(requirements)
    if not wanted.specifier.contains(version, prereleases=True):
        raise StartupError(
            f"Rasa {version} is installed, but this server supports only {wanted} (from {requirements}): "
            "its patches replace Rasa methods of that version. Run `make env` to install it."
        )
    return version


def secure_channels(channels: list[InputChannel], edge: Edge) -> list[str]:
    """Hand the edge to every channel that enforces it; the names of those channels."""
    edge.reserve([channel.name() for channel in channels])
    secured = []
    for channel in channels:
        if hasattr(type(channel), "edge"):
            channel.edge = edge
            secured.append(channel.name())
    return secured


def install_process_fixes() -> list[str]:
    """Every Rasa method this project replaces (bot/patches.py), installed once before the app is built, whatever
    the endpoints configure; one line per patch for the start-up log."""
    try:
        return patches.install_all()
    except (patches.PatchError, ValueError) as problem:
        raise StartupError(str(problem)) from problem


def build_app(args: argparse.Namespace, settings: EdgeSettings) -> tuple[Sanic, AvailableEndpoints, list[str]]:
    """Rasa's app with this project's channels, edge and routes; what was installed, for the start-up log."""
    endpoints = AvailableEndpoints.read_endpoints(args.endpoints)
    channels = rasa.core.run.create_http_input_channels(None, args.credentials)
    edge = Edge(settings)
    secured = secure_channels(channels, edge)
    app = rasa.core.run.configure_app(
        channels,
        cors=list(settings.cors_origins) or None,
        auth_token=settings.api_token,
        enable_api=True,
        jwt_secret=settings.jwt_secret,
        jwt_method="HS256",
        port=args.port,
        endpoints=endpoints,
    )
    installed = install_edge(app, edge)
    app.blueprint(nimbus_blueprint(edge, channels))
    app.blueprint(typing_blueprint(edge, channels))
    app.blueprint(metrics_blueprint(edge))
    observability.install_request_ids(app)
    app.register_listener(
        partial(rasa.core.run.load_agent_on_start, args.model, endpoints, None), "before_server_start"
    )
    app.register_listener(rasa.core.run.close_resources, "after_server_stop")
    installed += [
        f"mode {settings.mode}" + (" (REST webhook open without credentials)" if settings.demo else ""),
        "Rasa HTTP API: "
        + ("token auth" if settings.api_token else "NO token auth")
        + (", HS256 JWT" if settings.jwt_secret else ""),
        "CORS (HTTP and socket.io): " + (", ".join(settings.cors_origins) or "same origin only"),
        "channels with the edge: " + ", ".join(secured),
        "routes: GET /nimbus/ready, admin-JWT /nimbus/conversations/{id}/export, DELETE /nimbus/conversations/{id}, "
        "POST /nimbus/retention",
        "GET /metrics (API token or admin JWT as bearer"
        + (", or none: NIMBUS_METRICS_PUBLIC" if metrics_public() else "")
        + "), X-Request-ID bound per request and sent on to the action server",
    ]
    if settings.session_secret_generated:
        installed.append("NIMBUS_SESSION_SECRET unset: a random one for this run (sessions do not survive restarts)")
    if not settings.demo and not settings.rest_token:
        installed.append("RASA_REST_TOKEN unset in production mode: every REST webhook call is refused")
    return app, endpoints, installed


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logfilter.install()
    rasa.utils.common.configure_logging_and_warnings(None, None, warn_only_once=True, filter_repeated_logs=True)
    configure_structlog(None)
    tf_env.setup_tf_environment()
    try:
        check_rasa_version()
        json_logs = observability.json_logs_wanted()
        settings = EdgeSettings.from_env()
        installed = ["log records mask token query values and Authorization credentials", *install_process_fixes()]
        if json_logs:
            installed.append("JSON log lines with request ids and conversation pseudonyms (NIMBUS_LOG_FORMAT)")
    except (StartupError, SettingsError, ValueError) as problem:
        print(f"bot.server: {problem}", file=sys.stderr)
        return 2
    try:
        app, endpoints, built = build_app(args, settings)
    except RasaException as problem:
        print(f"bot.server: {type(problem).__name__}: {problem}", file=sys.stderr)
        return 2
    if json_logs:
        observability.configure_logs()  # after the app: Sanic sets up its loggers' handlers when it is created
    for line in [f"Rasa {rasa.__version__}", *installed, *built]:
        logger.info("bot.server: %s", line)
    logger.info("bot.server: listening on http://%s:%d", settings.bind_host, args.port)
    rasa.utils.common.update_sanic_log_level()
    app.run(
        host=settings.bind_host,
        port=args.port,
        backlog=int(os.environ.get(ENV_SANIC_BACKLOG, "100")),
        workers=rasa.core.utils.number_of_sanic_workers(endpoints.lock_store if endpoints else None),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
