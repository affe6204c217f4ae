"""The scaled set-up under soak: two hosts (each a Rasa server, action server and handoff service) over shared
PostgreSQL, Redis and RabbitMQ behind HAProxy (scripts/hosts.py). The fault script kills a whole host (every process
group at once, as when a machine dies) and starts it again. The shared PostgreSQL and Redis of this machine are used
by other runs at the same time, so they are never restarted here."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.soak.system import NAME, System, channel_env
from scripts.hosts import HOST_NAMES, Hosts
from scripts.scaling import Scaling
from scripts.stack import StackConfig
from tests.channels.standin import StandIn


def _kill_host(hosts: Hosts, name: str) -> tuple[float, float]:
    index = HOST_NAMES.index(name)
    killed_at = time.time()
    hosts.kill_host(index)
    hosts.restart_host(index)
    return killed_at, time.time()


@contextmanager
def scaled_system(data_dir: Path, standin: StandIn, count: int = 2) -> Iterator[System]:
    """Two hosts on their own throwaway databases, exchange and queue (named after the Rasa database, dropped at
    the end), as `Hosts.throwaway` makes them, plus the soak's channel settings."""
    tag = f"{NAME}_{uuid.uuid4().hex[:8]}"
    scaling = Scaling(workers=1, shared_stores=True, rasa_database=f"{tag}_rasa", handoff_database=f"{tag}_handoff")
    base = StackConfig.throwaway(data_dir, NAME, scaling=scaling, extra_env=channel_env(standin))
    assert base.handoff_admin_token is not None
    with Hosts(base, count=count, throwaway=True) as hosts:
        yield System(
            setup="scaled (2 hosts behind HAProxy)",
            rasa_url=hosts.lb_url,
            handoff_url=hosts.lb_url,
            rasa_token=base.rasa_api_token,
            admin_token=base.handoff_admin_token,
            faults=HOST_NAMES[:count],
            kill=lambda name: _kill_host(hosts, name),
            actions_outboxes=[config.data_dir / "actions_outbox.sqlite3" for config in hosts.configs],
            handoff_database_url=scaling.database_url(scaling.handoff_database),
            tracker_urls=tuple(hosts.urls(index).rasa for index in range(count)),
        )
