"""Secrets generated once and kept in owner-only files."""

from __future__ import annotations

import stat
from pathlib import Path

from scripts.secrets import load_or_create_secret


def test_generated_once_kept_private_and_reused(tmp_path: Path) -> None:
    """The first call creates a 0600 file; later calls read the same value back."""
    path = tmp_path / "var" / "token"
    first, created = load_or_create_secret(path)
    assert created is True
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert load_or_create_secret(path) == (first, False)


def test_value_from_the_environment_wins_and_writes_nothing(tmp_path: Path) -> None:
    """A secret given by the operator is used as is."""
    path = tmp_path / "token"
    assert load_or_create_secret(path, "given") == ("given", False)
    assert not path.exists()
