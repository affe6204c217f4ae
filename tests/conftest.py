"""Fixtures shared by every test folder that needs the real system (end-to-end, security, browser).

Imports of the launcher stay inside the fixtures: the Rasa-side tests run this file under `.venv-rasa`, which has
neither httpx nor the launcher's dependencies.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.e2e.client import SystemClient


@pytest.fixture(scope="session")
def built_artifacts() -> None:
    """The trained Rasa model and the KB index, built by the same Make targets `make run` uses (cached)."""
    from scripts.stack import MODEL_PATH, ROOT

    subprocess.run(["make", "-s", "train", "kb"], cwd=ROOT, check=True)
    assert MODEL_PATH.exists(), f"no model at {MODEL_PATH} after make train"


@pytest.fixture(scope="session")
def system(built_artifacts: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SystemClient]:
    """Rasa server, action server and handoff service as `make run` starts them (demo mode), started once for the
    session and always stopped."""
    from scripts.stack import Stack
    from tests.e2e.client import SystemClient
    from tests.e2e.conftest import system_config

    with Stack(system_config(tmp_path_factory.mktemp("system"))) as stack, SystemClient(stack) as client:
        yield client
