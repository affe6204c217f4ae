"""The handoff service's own words to customers (web chat labels, attachment refusals), one YAML file per language.

``handoff/strings/<code>.yml`` holds a language's words (``HANDOFF_STRINGS_DIR`` names another directory); a
language of the registry without a file, or a missing word, reads English.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from language_registry import codes

__all__ = ["STRINGS_DIR", "attachment_notice", "strings_dir", "web_chat_words", "words"]

STRINGS_DIR = Path(__file__).resolve().parent / "strings"


def strings_dir() -> Path:
    """Where the per-language files are: ``HANDOFF_STRINGS_DIR`` or ``handoff/strings``."""
    value = os.environ.get("HANDOFF_STRINGS_DIR", "").strip()
    return Path(value) if value else STRINGS_DIR


def words(code: str, section: str) -> dict[str, str]:
    """The words of ``section`` in ``code``'s file; empty when the language has no file or section."""
    return _read(strings_dir() / f"{code}.yml", section)


@lru_cache(maxsize=128)
def _read(path: Path, section: str) -> dict[str, str]:
    if not path.is_file():
        return {}
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(key): str(value) for key, value in (data.get(section) or {}).items()}


def web_chat_words() -> dict[str, dict[str, str]]:
    """The web chat's words per registry language, English filling any gap."""
    english = words("en", "web_chat")
    return {code: {**english, **words(code, "web_chat")} for code in codes()}


def attachment_notice(reason: str, language: str | None) -> str:
    """What a customer writing ``language`` is told when a file is refused for ``reason`` (``type``, ``too_large``)."""
    code = (language or "en").split("-")[0].lower()
    own = words(code, "attachment_notices") if code in codes() else {}
    return own.get(reason) or words("en", "attachment_notices")[reason]
