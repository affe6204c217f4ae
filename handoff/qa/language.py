"""The project's own language detector (``bot/components/language_detection.py``, the Rasa pipeline's decision
rules) for the handoff service, on the statistical backend that the service's environment has (langdetect).

A language alone in its script (Arabic, Chinese) is decided by the script; the Latin-script ones need langdetect.
Without it only the script rules run, and a Latin reply's language is never judged (no finding rather than a guess).
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

from handoff.qa.rules import LANGUAGES
from language_registry import registry

logger = logging.getLogger(__name__)


class LanguageGuesser(Protocol):
    """Something that names the language of a text among the supported ones, or None when it cannot tell."""

    def language_of(self, text: str) -> str | None:
        """The confident language of ``text``, or None."""
        ...


class ProjectDetector:
    """``decide`` of the bot's language detection with a langdetect backend built on first use (once per process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded = False
        self._decide: Any = None
        self._settings: Any = None
        self._backend: Any = None

    def _load(self) -> None:
        with self._lock:
            if self._loaded:
                return
            try:
                from bot.components.language_detection import DetectionSettings, decide
            except ImportError as e:  # run outside the repository root: the language check does not apply
                logger.warning("quality review: the bot's language detection is not importable (%s)", e)
                self._loaded = True
                return
            self._settings = DetectionSettings(supported_languages=LANGUAGES)
            self._decide = decide
            # Only languages sharing their script with another one need the statistical backend.
            shared = [language for language in LANGUAGES if len(registry().sharing_script(language)) > 1]
            try:
                from bot.components.language_backends import build_backend

                self._backend = build_backend({"langdetect": 1.0}, shared)
            except Exception as e:  # a missing optional package must not stop the review of other checks
                logger.warning("quality review: no statistical language backend (%s); script rules only", e)
                self._backend = None
            self._loaded = True

    @property
    def statistical(self) -> bool:
        """Whether Latin-script languages can be told apart (langdetect is available)."""
        self._load()
        return self._backend is not None

    def language_of(self, text: str) -> str | None:
        """The detector's confident decision (no locale hint: an agent's reply carries none)."""
        self._load()
        if self._decide is None:
            return None
        detection = self._decide(text, None, self._settings, self._backend)
        language: str | None = detection.language
        return language
