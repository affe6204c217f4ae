"""Exceptions of the content tooling; the CLI turns them into one clear message."""

from __future__ import annotations

from pathlib import Path


class ContentError(Exception):
    """Base class of every content-tooling error."""


class CsvFormatError(ContentError):
    """A translator CSV that cannot be imported, with the offending row."""

    def __init__(self, path: Path, row: int, message: str) -> None:
        super().__init__(f"{path}:{row}: {message}")
        self.path = path
        self.row = row


class ReportError(ContentError):
    """The quality report cannot be produced (no data, training failed...)."""
