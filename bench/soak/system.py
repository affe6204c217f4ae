"""The system under soak, as the drivers and the fault script see it: where customers and agents connect, how a
process is killed and started again, and where the outboxes are."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.e2e.systems import LOAD_ENV
from bench.soak.faults import PROCESSES, kill_and_restart
from scripts.stack import Stack, StackConfig
from tests.channels.standin import StandIn

NAME = "soak"  # fixed test secrets: soak-rasa-token, soak-admin-token, ...

WHATSAPP = {
    "WHATSAPP_VERIFY_TOKEN": "soak-wa-verify-token",
    "WHATSAPP_APP_SECRET": "soak-wa-app-secret",
    "WHATSAPP_ACCESS_TOKEN": "soak-wa-access-token",
    "WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
}


@dataclass(frozen=True)
class System:
    setup: str
    rasa_url: str  # where customers connect (a load balancer in the scaled set-up)
    handoff_url: str  # where agents connect
    rasa_token: str
    admin_token: str
    faults: Sequence[str]  # what the fault script may kill, in turn
    kill: Callable[[str], tuple[float, float]]  # SIGKILL and start again; (killed at, ready at)
    actions_outboxes: Sequence[Path]
    handoff_database_url: str
    tracker_urls: Sequence[str] = ()  # Rasa servers the customers read their conversation from, when not rasa_url
    whatsapp_app_secret: str = WHATSAPP["WHATSAPP_APP_SECRET"]
    whatsapp_phone_number_id: str = WHATSAPP["WHATSAPP_PHONE_NUMBER_ID"]


def channel_env(standin: StandIn) -> dict[str, str]:
    """The load settings of bench/e2e (no per-sender or per-address limits: every soak customer comes from
    127.0.0.1) and WhatsApp configured against the stand-in Graph API."""
    return {**LOAD_ENV, **WHATSAPP, "META_GRAPH_BASE": f"{standin.url}/meta"}


@contextmanager
def default_system(data_dir: Path, standin: StandIn) -> Iterator[System]:
    """The three processes as `make run` starts them (one each, SQLite), on free ports."""
    config = StackConfig.throwaway(data_dir, NAME, extra_env=channel_env(standin))
    assert config.handoff_admin_token is not None
    with Stack(config) as stack:
        yield System(
            setup="default",
            rasa_url=config.rasa_url,
            handoff_url=config.handoff_url,
            rasa_token=config.rasa_api_token,
            admin_token=config.handoff_admin_token,
            faults=PROCESSES,
            kill=lambda name: kill_and_restart(stack.service(name)),
            actions_outboxes=[data_dir / "actions_outbox.sqlite3"],
            handoff_database_url=f"sqlite:///{data_dir / 'handoff.sqlite3'}",
        )
