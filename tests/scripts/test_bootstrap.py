"""The environment bootstrap: idempotent, and a clear message when Python 3.10 is missing."""

from __future__ import annotations

import subprocess
from pathlib import Path

from scripts.stack import ROOT


def test_missing_python_310_fails_with_a_clear_message(tmp_path: Path) -> None:
    """Without pyenv or a python3.10 on PATH, the Rasa environment cannot be made: say so and how to fix it."""
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "bootstrap.sh"), "rasa"],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "Python 3.10 not found" in result.stderr
    assert "pyenv install 3.10.13" in result.stderr


def test_up_to_date_environments_are_left_alone() -> None:
    """Re-running the bootstrap when nothing changed installs nothing and prints nothing."""
    for which in ("main", "rasa"):
        result = subprocess.run(
            ["bash", "scripts/bootstrap.sh", which], cwd=ROOT, capture_output=True, text=True, check=True
        )
        assert result.stdout == ""
