"""Two hosts behind HAProxy over PostgreSQL, Redis and RabbitMQ (scripts/hosts.py), started once for this folder."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.hosts import Hosts

SHARED_SERVICES = {"PostgreSQL": 5432, "Redis": 6379, "RabbitMQ": 5672}


def unreachable_services() -> list[str]:
    """The shared services nothing listens for on 127.0.0.1."""
    missing = []
    for name, port in SHARED_SERVICES.items():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        except OSError:
            missing.append(f"{name} (127.0.0.1:{port})")
    return missing


@pytest.fixture(scope="package")
def hosts(built_artifacts: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hosts]:
    """host-a and host-b (one worker per service each) behind HAProxy, with throwaway databases and event queue."""
    missing = unreachable_services()
    if missing:
        pytest.skip(f"not running: {', '.join(missing)}")
    data_dir: Path = tmp_path_factory.mktemp("hosts")
    with Hosts.throwaway(data_dir, "test") as running:
        yield running
