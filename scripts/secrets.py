"""Secrets a local installation generates once and keeps in files only its owner can read."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def load_or_create_secret(path: Path, given: str | None = None) -> tuple[str, bool]:
    """The secret `given` (from the environment) if set, else the one stored at `path`, else a new one saved there.

    Returns the secret and whether it was created just now. The file is written with 0600 permissions.
    """
    if given:
        return given, False
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value, False
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    os.chmod(path, 0o600)
    return value, True
