"""Secrets from settings, or generated once into 0600 files under the var directory (0700), and the helpers that
create the service's other data files just as privately. The launcher (scripts/run.py) keeps its secrets with the same
helper, so a secret file means the same thing to every process."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from handoff.errors import StartupRefusedError


class SecretFileError(StartupRefusedError):
    """A secret file exists but holds no secret: an empty secret would authenticate anyone, and a new one would
    silently lock out whoever holds the old."""


@dataclass(frozen=True, slots=True)
class LoadedSecret:
    """A secret and whether this call generated it (so it can be printed exactly once)."""

    value: str
    generated: bool


def load_or_create_secret(configured: str | None, path: Path) -> LoadedSecret:
    """Return ``configured`` if set, else the file's content, else a new token written with mode 0600.

    A file that exists but is empty (or only white space) is a `SecretFileError`, never an empty secret.
    """
    if configured:
        return LoadedSecret(configured, generated=False)
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if not value:
            raise SecretFileError(
                f"the secret file {path} is empty: write the secret into it, or delete it to have a new one generated"
            )
        return LoadedSecret(value, generated=False)
    private_dir(path.parent)
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    os.chmod(path, 0o600)
    return LoadedSecret(value, generated=True)


def hash_token(token: str) -> str:
    """SHA-256 hex digest under which agent tokens are stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def private_dir(path: Path, *, tighten: bool = False) -> Path:
    """Create ``path`` (and missing parents) with mode 0700; ``tighten`` also fixes an existing directory we own
    (only for directories that are the service's own, never e.g. a shared parent of a database file)."""
    existed = path.is_dir()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if (tighten or not existed) and path.stat().st_uid == os.getuid():
        os.chmod(path, 0o700)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 if missing (so SQLite and logs never get the umask's mode); tighten it."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    return path
