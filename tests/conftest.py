"""Fixtures shared by every test folder that needs the real system (end-to-end, security, browser).

Imports of the launcher stay inside the fixtures: the Rasa-side tests run this file under `.venv-rasa`, which has
neither httpx nor the launcher's dependencies.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.e2e.client import SystemClient


@pytest.fixture(scope="session")
def shipped_kb_index() -> Path:
    """The KB index of the shipped articles, built by `make kb` as `make run` uses it (only what changed);
    tests must not modify it (copy it to build on it)."""
    from scripts.stack import KB_INDEX_DIR, ROOT

    subprocess.run(["make", "-s", "kb"], cwd=ROOT, check=True)
    assert (KB_INDEX_DIR / "meta.json").exists(), f"no index in {KB_INDEX_DIR} after make kb"
    return KB_INDEX_DIR


@pytest.fixture(scope="session")
def built_artifacts(request: pytest.FixtureRequest) -> None:
    """The trained Rasa model and the KB index, built by the same Make targets `make run` uses (cached); the model
    trains while the index builds, because neither keeps both cores busy for its whole run."""
    from scripts.stack import MODEL_PATH, ROOT

    training = subprocess.Popen(["make", "-s", "train"], cwd=ROOT)
    try:
        request.getfixturevalue("shipped_kb_index")
    finally:
        returncode = training.wait()
    assert returncode == 0, f"make train failed with exit status {returncode}"
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
