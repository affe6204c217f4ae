"""Exception tree of the knowledge-base package.

Every error carries the context a content writer or an operator needs to fix it
(the file, the article id, the language), so the CLI can print one clear line.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ArticleError",
    "EncoderError",
    "IndexError_",
    "IndexNotBuiltError",
    "KbError",
]


class KbError(Exception):
    """Base class of every knowledge-base error."""


class ArticleError(KbError):
    """An article file is invalid (front matter, translations, body)."""

    def __init__(self, message: str, *, path: Path | None = None, article_id: str | None = None) -> None:
        self.path = path
        self.article_id = article_id
        where = f"{path}: " if path is not None else ""
        super().__init__(f"{where}{message}")


class EncoderError(KbError):
    """The sentence encoder cannot be loaded or used."""

    def __init__(self, message: str, *, encoder: str) -> None:
        self.encoder = encoder
        super().__init__(f"encoder {encoder!r}: {message}")


class IndexError_(KbError):
    """The stored index is unreadable or inconsistent with its metadata."""

    def __init__(self, message: str, *, index_dir: Path) -> None:
        self.index_dir = index_dir
        super().__init__(f"{index_dir}: {message}")


class IndexNotBuiltError(IndexError_):
    """No index exists at the configured location (run `python -m kb build`)."""
