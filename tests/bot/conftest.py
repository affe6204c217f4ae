"""Shared fixtures for the Rasa-side NLU component tests (run with .venv-rasa/bin/python -m pytest tests/bot)."""

from __future__ import annotations

import pytest

from bot.components.language_backends import LanguageBackend, build_backend
from bot.components.language_detection import DetectionSettings
from tests.bot.fakes import SUPPORTED

PRODUCTION_DETECTORS = {"lingua_high": 2.0, "fasttext": 1.0}


@pytest.fixture(scope="session")
def settings() -> DetectionSettings:
    """The default decision thresholds over the six supported languages."""
    return DetectionSettings(supported_languages=SUPPORTED)


@pytest.fixture(scope="session")
def production_backend() -> LanguageBackend:
    """The production detector combination, loaded once for the whole session."""
    return build_backend(PRODUCTION_DETECTORS, SUPPORTED)
