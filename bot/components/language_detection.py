"""Language decision for one chat message (pure: plain text and plain data in, a decision out).

Order of evidence:
1. Text without letters (emoji, order ids, numbers, URLs) tells nothing: only a channel locale hint may
   speak for it.
2. The script decides when a single supported language is written in it (Arabic -> ar, Han without kana
   -> zh). A script that no supported language uses (kana, Hangul, Thai, Cyrillic...) yields nothing.
3. Scripts shared by several supported languages (Latin: en, es, pt, fr) go to the statistical backend,
   restricted to those languages. The result counts only when the text is long enough and the winner is
   both probable and clearly ahead; otherwise a compatible locale hint decides, or nothing does, so that
   the conversation keeps its language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from bot.components.language_backends import LanguageBackend, normalise
from bot.components.scripts import ScriptProfile, language_script, profile
from language_registry import codes

METHOD_SCRIPT = "script"
METHOD_MODEL = "model"
METHOD_HINT = "hint"
METHOD_NONE = "none"


@dataclass(frozen=True)
class DetectionSettings:
    """Thresholds of the decision; see LanguageDetector.get_default_config for their meaning."""

    supported_languages: tuple[str, ...] = field(default_factory=codes)
    min_confidence: float = 0.6
    min_margin: float = 0.3
    min_letters: int = 4
    use_locale_hint: bool = True
    hint_confidence: float = 0.6
    hint_min_score: float = 0.02
    min_script_share: float = 0.2

    def __post_init__(self) -> None:
        unknown = sorted(code for code in set(self.supported_languages) if language_script(code) is None)
        if unknown:
            raise ValueError(f"supported_languages: no script known for {unknown}")
        if not self.supported_languages:
            raise ValueError("supported_languages must not be empty")

    def candidates(self, script: str | None) -> tuple[str, ...]:
        """The supported languages written in `script`, in configuration order."""
        return tuple(lang for lang in self.supported_languages if language_script(lang) == script)


@dataclass(frozen=True)
class LanguageDetection:
    """What was decided about one message; `language` is None when the conversation keeps its language."""

    language: str | None
    confidence: float
    method: str
    reason: str
    best_guess: str | None = None
    scores: dict[str, float] = field(default_factory=dict)
    hint: str | None = None
    script: str | None = None
    letters: int = 0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly copy, stored on the Rasa message for debugging."""
        return asdict(self)


def parse_locale_hint(metadata: Mapping[str, Any] | None, supported: Sequence[str]) -> str | None:
    """The ISO 639-1 code in metadata `locale` ("es-MX", "pt_BR") or `language` ("es"), if supported."""
    if not metadata:
        return None
    for key in ("locale", "language"):
        value = metadata.get(key)
        if isinstance(value, str) and value.strip():
            primary = value.strip().replace("_", "-").split("-")[0].lower()
            return primary if primary in supported else None
    return None


def decide(
    text: str,
    hint: str | None,
    settings: DetectionSettings,
    backend: LanguageBackend | None,
) -> LanguageDetection:
    """Decide the language of `text` given an optional locale `hint` (already parsed) and a backend."""
    script_profile = profile(text)
    usable_hint = hint if settings.use_locale_hint and hint in settings.supported_languages else None
    script = script_profile.primary(settings.min_script_share)
    nothing = LanguageDetection(
        None, 0.0, METHOD_NONE, "", hint=usable_hint, script=script, letters=script_profile.letters
    )

    if not script_profile.has_linguistic_content:
        if usable_hint:
            return replace(
                nothing,
                language=usable_hint,
                confidence=settings.hint_confidence,
                method=METHOD_HINT,
                reason="no_linguistic_content",
            )
        return replace(nothing, reason="no_linguistic_content")

    candidates = settings.candidates(script)
    if not candidates:
        return replace(nothing, reason="unsupported_script")
    if len(candidates) == 1:
        # No other supported language is written in this script: the script leaves no doubt.
        only = candidates[0]
        return replace(
            nothing,
            language=only,
            confidence=1.0,
            method=METHOD_SCRIPT,
            reason="single_language_script",
            best_guess=only,
            scores={only: 1.0},
        )
    return _decide_by_model(script_profile, candidates, settings, backend, nothing)


def _decide_by_model(
    script_profile: ScriptProfile,
    candidates: tuple[str, ...],
    settings: DetectionSettings,
    backend: LanguageBackend | None,
    nothing: LanguageDetection,
) -> LanguageDetection:
    """Ask the backend among `candidates`; fall back on a compatible hint, else on nothing."""
    raw = backend.scores(script_profile.linguistic_text) if backend else {}
    scores = {lang: round(value, 4) for lang, value in normalise(raw, candidates).items()}
    ranked = sorted(scores, key=lambda lang: -scores[lang])
    best = ranked[0] if ranked else None
    top = scores[best] if best else 0.0
    second = scores[ranked[1]] if len(ranked) > 1 else 0.0
    unsure = replace(nothing, confidence=top, best_guess=best, scores=scores)

    if best is None:
        reason = "no_model_scores"
    elif script_profile.letters < settings.min_letters:
        reason = "short_text"
    elif top < settings.min_confidence or top - second < settings.min_margin:
        reason = "ambiguous"
    else:
        return replace(unsure, language=best, method=METHOD_MODEL, reason="confident")

    # Unsure: a hint in the text's script that the model does not rule out decides.
    hint = nothing.hint
    if hint in candidates and (not scores or scores.get(hint or "", 0.0) >= settings.hint_min_score):
        return replace(unsure, language=hint, confidence=settings.hint_confidence, method=METHOD_HINT, reason=reason)
    return replace(unsure, reason=reason)


def best_guess(text: str, settings: DetectionSettings, backend: LanguageBackend | None) -> str | None:
    """The forced choice (script rule, else the backend's top candidate), ignoring thresholds and hints."""
    detection = decide(text, None, settings, backend)
    return detection.language or detection.best_guess


__all__ = [
    "METHOD_HINT",
    "METHOD_MODEL",
    "METHOD_NONE",
    "METHOD_SCRIPT",
    "DetectionSettings",
    "LanguageDetection",
    "best_guess",
    "decide",
    "parse_locale_hint",
]
