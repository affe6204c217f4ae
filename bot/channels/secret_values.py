"""Secrets of the e-mail channel and its poller, given directly or as a file (container secrets)."""

from __future__ import annotations

from pathlib import Path


def secret(value: str, file: str) -> str:
    """`value`, or the content of `file` when one is named (it wins), without its trailing newline."""
    if file:
        return Path(file).read_text(encoding="utf-8").rstrip("\r\n")
    return value
