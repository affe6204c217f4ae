"""The real system for end-to-end tests: the three processes on free ports with their own data directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.stack import ROOT, StackConfig
from tests.e2e.client import Responses


def system_config(data_dir: Path) -> StackConfig:
    """The three processes on free ports, with their data and logs under ``data_dir`` and fixed test secrets; their
    logs are JSON lines, production's format, so that the observability tests can read the same system."""
    return StackConfig.throwaway(data_dir, "test", extra_env={"NIMBUS_LOG_FORMAT": "json"})


@pytest.fixture(scope="session")
def responses() -> Responses:
    """The response texts of the domain, per key and language."""
    return Responses.load(ROOT / "bot" / "domain" / "responses.yml")
