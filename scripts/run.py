"""`make run`: starts the Rasa server, the action server and the handoff service, prints where they are, stops all
three on Ctrl-C. The environments, the Rasa model and the KB index are prepared by the Makefile before this runs."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from handoff.secrets_store import SecretFileError, load_or_create_secret
from scripts.scaling import Scaling
from scripts.stack import (
    KB_INDEX_DIR,
    MODEL_PATH,
    ROOT,
    InternalSecrets,
    Ports,
    Stack,
    StackConfig,
    StackError,
    make_private_dir,
)


@dataclass(frozen=True)
class LauncherSettings:
    """The launcher's environment, read once."""

    rasa_api_token: str | None
    handoff_service_key: str | None
    handoff_admin_token: str | None
    internal: dict[str, str | None]  # InternalSecrets' variables as set in the environment
    demo: bool

    @classmethod
    def from_env(cls) -> LauncherSettings:
        mode = os.environ.get("NIMBUS_MODE") or "demo"
        if mode not in {"demo", "production"}:
            raise SystemExit(f"NIMBUS_MODE must be 'demo' or 'production', not {mode!r}")
        return cls(
            rasa_api_token=os.environ.get("RASA_API_TOKEN") or None,
            handoff_service_key=os.environ.get("HANDOFF_SERVICE_KEY") or None,
            handoff_admin_token=os.environ.get("HANDOFF_ADMIN_TOKEN") or None,
            internal={variable: os.environ.get(variable) or None for variable in InternalSecrets.VARIABLES},
            demo=mode == "demo",
        )


def load_internal_secrets(data_dir: Path, given: dict[str, str | None]) -> InternalSecrets:
    """Each internal secret from the environment, else generated once into `data_dir` (0600)."""
    values = {
        name: load_or_create_secret(given.get(variable), data_dir / name).value
        for name, variable in zip(InternalSecrets.NAMES, InternalSecrets.VARIABLES, strict=True)
    }
    return InternalSecrets(**values)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--actions-port", type=int, default=5055)
    parser.add_argument("--handoff-port", type=int, default=8080)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var")
    parser.add_argument("--model", type=Path, default=MODEL_PATH)
    parser.add_argument("--kb-index", type=Path, default=KB_INDEX_DIR)
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("NIMBUS_WORKERS", "1")),
        help="worker processes per service (default NIMBUS_WORKERS or 1); above 1 needs PostgreSQL and Redis",
    )
    parser.add_argument("--postgres-url", default=os.environ.get("NIMBUS_POSTGRES_URL", Scaling.postgres_url))
    parser.add_argument("--redis-url", default=os.environ.get("NIMBUS_REDIS_URL", Scaling.redis_url))
    parser.add_argument("--amqp-url", default=os.environ.get("NIMBUS_AMQP_URL", Scaling.amqp_url))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    settings = LauncherSettings.from_env()
    data_dir: Path = args.data_dir.resolve()
    make_private_dir(data_dir)
    try:
        token = load_or_create_secret(settings.rasa_api_token, data_dir / "rasa_api_token").value
        service_key = load_or_create_secret(settings.handoff_service_key, data_dir / "handoff_service_key").value
        admin_token = load_or_create_secret(settings.handoff_admin_token, data_dir / "handoff_admin_token").value
        internal = load_internal_secrets(data_dir, settings.internal)
    except SecretFileError as error:
        print(error, file=sys.stderr)
        return 2
    if not args.model.exists():
        print(f"No Rasa model at {args.model}: run `make train` (or `make run`, which trains first).", file=sys.stderr)
        return 2
    config = StackConfig(
        ports=Ports(rasa=args.rasa_port, actions=args.actions_port, handoff=args.handoff_port),
        data_dir=data_dir,
        log_dir=data_dir / "log",
        model_path=args.model.resolve(),
        kb_index_dir=args.kb_index.resolve(),
        rasa_api_token=token,
        handoff_service_key=service_key,
        handoff_admin_token=admin_token,
        internal=internal,
        demo=settings.demo,
        scaling=Scaling(
            workers=args.workers,
            postgres_url=args.postgres_url,
            redis_url=args.redis_url,
            amqp_url=args.amqp_url,
        ),
    )
    stack = Stack(config)
    signal.signal(signal.SIGTERM, interrupt)
    print("Starting the handoff service, the action server and the Rasa server (Rasa takes ~30 s)...", flush=True)
    return serve(stack, lambda: print_banner(config), "Stopped all three processes.")


class Supervised(Protocol):
    """A set of processes started by entering it, stopped by leaving it, and checked while it runs."""

    def __enter__(self) -> Any: ...

    def __exit__(self, *exc_info: object) -> None: ...

    def check_alive(self) -> None: ...


def serve(system: Supervised, banner: Callable[[], None], stopped: str) -> int:
    """Runs `system` until Ctrl-C or SIGTERM (0) or until one of its processes dies (1, saying which)."""
    try:
        with system:
            banner()
            while True:
                system.check_alive()
                time.sleep(1.0)
    except KeyboardInterrupt:
        print(f"\n{stopped}")
        return 0
    except StackError as error:
        print(f"\n{error}", file=sys.stderr)
        return 1


def interrupt(signum: int, frame: object) -> None:
    """SIGTERM stops the stack the same way Ctrl-C does."""
    raise KeyboardInterrupt


DEMO_WARNING = """
  *** DEMO MODE (NIMBUS_MODE=demo) ***
  Demo agents with published tokens, an open REST webhook and public API docs are enabled. Never expose this set-up
  to the internet; NIMBUS_MODE=production turns all three off (SECURITY.md).
"""


def print_banner(config: StackConfig) -> None:
    logs = config.log_dir
    print(
        f"""{DEMO_WARNING if config.demo else ""}
Nimbus assistant is running.
  Rasa server      {config.rasa_url}   (REST: POST /webhooks/rest/webhook, socket.io on the same port)
  Rasa API token   {config.rasa_api_token}   (kept in {config.data_dir / "rasa_api_token"}, mode 0600)
  Internal secrets {config.data_dir}/rasa_jwt_secret, action_server_token, session_secret, rest_token (0600)
  Action server    {config.actions_url}/health
  Handoff service  {config.handoff_url}/docs   (API docs, demo mode only)
  Admin token      HANDOFF_ADMIN_TOKEN or {config.data_dir / "handoff_admin_token"} (0600)
  Web chat         {config.handoff_url}/chat
  Agent console    {config.handoff_url}/console   (demo agents: handoff/demo/agents.yml, e.g. demo-agent-maria)
  Logs             {logs}/rasa.log, actions.log, handoff.log
  Data             {config.data_dir} (SQLite databases, generated secrets)

Try it:
  curl -s {config.rasa_url}/webhooks/rest/webhook -d '{{"sender": "me", "message": "hola"}}'

Ctrl-C stops everything.""",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
