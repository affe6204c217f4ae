"""Validation findings, each naming a file, a line and a language."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


class Severity(str, enum.Enum):
    """How bad a finding is: errors fail validation, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Issue:
    """One finding of the content checks."""

    severity: Severity
    path: Path
    line: int
    language: str | None
    message: str

    def format(self, root: Path | None = None) -> str:
        """Renders the issue as `file:line [lang] severity: message`."""
        path = self.path
        if root is not None:
            try:
                path = self.path.resolve().relative_to(root.resolve())
            except ValueError:
                path = self.path
        language = self.language or "-"
        return f"{path}:{self.line} [{language}] {self.severity.value}: {self.message}"


def error(path: Path, line: int, language: str | None, message: str) -> Issue:
    """Builds an error issue."""
    return Issue(Severity.ERROR, path, line, language, message)


def warning(path: Path, line: int, language: str | None, message: str) -> Issue:
    """Builds a warning issue."""
    return Issue(Severity.WARNING, path, line, language, message)


def has_errors(issues: Iterable[Issue]) -> bool:
    """True when at least one issue is an error."""
    return any(issue.severity is Severity.ERROR for issue in issues)
