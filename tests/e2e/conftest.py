"""The real system for end-to-end tests: the three processes on free ports with their own data directory."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.stack import MODEL_PATH, ROOT, Stack, StackConfig
from tests.e2e.client import Responses, SystemClient


@pytest.fixture(scope="session")
def built_artifacts() -> None:
    """The trained Rasa model and the KB index, built by the same Make targets `make run` uses (cached)."""
    subprocess.run(["make", "-s", "train", "kb"], cwd=ROOT, check=True)
    assert MODEL_PATH.exists(), f"no model at {MODEL_PATH} after make train"


def system_config(data_dir: Path) -> StackConfig:
    """The three processes on free ports, with their data and logs under ``data_dir`` and fixed test secrets."""
    return StackConfig.throwaway(data_dir, "test")


@pytest.fixture(scope="session")
def system(built_artifacts: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SystemClient]:
    """Rasa server, action server and handoff service, started once for the session and always stopped."""
    with Stack(system_config(tmp_path_factory.mktemp("system"))) as stack, SystemClient(stack) as client:
        yield client


@pytest.fixture(scope="session")
def responses() -> Responses:
    """The response texts of the domain, per key and language."""
    return Responses.load(ROOT / "bot" / "domain" / "responses.yml")
