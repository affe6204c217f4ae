"""Quality-review rules: what each check weighs, its limits and phrase lists per language, with per-queue overrides.

The YAML file (``handoff/demo/qa_rules.yml`` by default) has ``defaults`` and ``queues: {name: overrides}``. An
override is merged into the defaults key by key: a check's ``enabled`` alone can change, a limit alone can change,
and a phrase list given for one language replaces that language's list only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from handoff.errors import InvalidInputError
from handoff.qa.enums import Check, Severity
from language_registry import codes

LANGUAGES: tuple[str, ...] = codes()


class CheckRule(BaseModel):
    """Whether a check runs, what it weighs in the score, and how severe its findings are."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    weight: float = Field(default=10.0, ge=0, le=1000)
    severity: Severity = Severity.MEDIUM


# What each check weighs unless the file says otherwise: leaking personal data and rudeness matter most.
_DEFAULT_CHECKS: dict[Check, CheckRule] = {
    Check.FIRST_RESPONSE: CheckRule(weight=15, severity=Severity.MEDIUM),
    Check.LANGUAGE: CheckRule(weight=15, severity=Severity.HIGH),
    Check.SILENCE: CheckRule(weight=10, severity=Severity.MEDIUM),
    Check.UNANSWERED_QUESTION: CheckRule(weight=15, severity=Severity.HIGH),
    Check.PERSONAL_DATA: CheckRule(weight=20, severity=Severity.HIGH),
    Check.GREETING: CheckRule(weight=5, severity=Severity.LOW),
    Check.CLOSING: CheckRule(weight=5, severity=Severity.LOW),
    Check.TONE: CheckRule(weight=15, severity=Severity.HIGH),
}


class Limits(BaseModel):
    """Numbers the checks compare against."""

    model_config = ConfigDict(extra="forbid")

    # First public agent reply within this many seconds of the handoff; unset: the queue's ``sla_seconds``.
    first_response_seconds: int | None = Field(default=None, ge=1)
    # A customer waiting longer than this for the agent's next message is a long silence.
    silence_seconds: int = Field(default=600, ge=1)
    # The greeting may be in any of the agent's first N replies, the closing in any of the last N.
    greeting_window: int = Field(default=2, ge=1, le=20)
    closing_window: int = Field(default=2, ge=1, le=20)
    # Replies with fewer letters than this are too short to judge their language ("OK", "Merci").
    language_min_letters: int = Field(default=12, ge=1)


PhraseLists = dict[str, list[str]]


class Phrases(BaseModel):
    """Phrase lists per language (ISO 639-1); matching ignores case, accents and extra spaces."""

    model_config = ConfigDict(extra="forbid")

    greeting: PhraseLists = Field(default_factory=dict)
    closing: PhraseLists = Field(default_factory=dict)
    tone: PhraseLists = Field(default_factory=dict)
    question_words: PhraseLists = Field(default_factory=dict)
    password: PhraseLists = Field(default_factory=dict)

    @field_validator("greeting", "closing", "tone", "question_words", "password")
    @classmethod
    def _known_languages(cls, value: PhraseLists) -> PhraseLists:
        unknown = sorted(set(value) - set(LANGUAGES))
        if unknown:
            raise ValueError(f"unknown languages {unknown}; use {list(LANGUAGES)}")
        return {language: [p for p in phrases if p.strip()] for language, phrases in value.items()}


class RuleSet(BaseModel):
    """The rules one queue's conversations are reviewed with."""

    model_config = ConfigDict(extra="forbid")

    checks: dict[Check, CheckRule] = Field(default_factory=lambda: dict(_DEFAULT_CHECKS))
    limits: Limits = Field(default_factory=Limits)
    phrases: Phrases = Field(default_factory=Phrases)

    def rule(self, check: Check) -> CheckRule:
        """The rule of ``check`` (its built-in default when the file does not name it)."""
        return self.checks.get(check) or _DEFAULT_CHECKS[check]

    def phrases_for(self, kind: str, language: str | None) -> list[str]:
        """The ``kind`` phrase list of ``language`` (empty when there is none)."""
        lists: PhraseLists = getattr(self.phrases, kind)
        return list(lists.get(language or "", []))


class QaRules:
    """Validated rules: the defaults, each queue's merged rule set, and a version naming this exact content."""

    def __init__(self, defaults: Mapping[str, Any], queues: Mapping[str, Mapping[str, Any]]) -> None:
        self._defaults_raw = dict(defaults)
        self.defaults = _validate(self._defaults_raw, "defaults")
        self.queues = {
            name: _validate(_merge(self._defaults_raw, dict(raw)), f"queues.{name}") for name, raw in queues.items()
        }
        canonical = json.dumps(
            {"defaults": self.defaults.model_dump(mode="json"),
             "queues": {n: r.model_dump(mode="json") for n, r in sorted(self.queues.items())}},
            sort_keys=True, ensure_ascii=False,
        )  # fmt: skip
        self.version = hashlib.sha256(canonical.encode()).hexdigest()[:12]

    def for_queue(self, queue: str) -> RuleSet:
        """The queue's rules, or the defaults for a queue the file does not name."""
        return self.queues.get(queue, self.defaults)


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``override`` merged in: mappings recursively, everything else (lists included) replaced."""
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = _merge(current, value)
        else:
            merged[key] = value
    return merged


def _validate(raw: Mapping[str, Any], where: str) -> RuleSet:
    checks = {**{c.value: r.model_dump() for c, r in _DEFAULT_CHECKS.items()}}
    merged = _merge({"checks": checks}, raw)
    try:
        return RuleSet.model_validate(merged)
    except ValidationError as e:
        first = e.errors()[0]
        field = ".".join([where, *(str(p) for p in first["loc"])])
        raise InvalidInputError(field, first["msg"]) from e


def parse_rules(data: Any, source: str = "qa rules") -> QaRules:
    """Rules from already parsed YAML (``{defaults: ..., queues: {...}}``)."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise InvalidInputError(source, "must be a mapping with 'defaults' and 'queues'")
    unknown = sorted(set(data) - {"defaults", "queues"})
    if unknown:
        raise InvalidInputError(f"{source}.{unknown[0]}", "unknown key; use 'defaults' and 'queues'")
    defaults = data.get("defaults") or {}
    queues = data.get("queues") or {}
    if not isinstance(defaults, Mapping) or not isinstance(queues, Mapping):
        raise InvalidInputError(source, "'defaults' and 'queues' must be mappings")
    for name, raw in queues.items():
        if not isinstance(raw, Mapping):
            raise InvalidInputError(f"queues.{name}", "must be a mapping")
    return QaRules(defaults, {str(name): raw for name, raw in queues.items()})


def load_rules(path: Path, *, required: bool = True) -> QaRules:
    """Read and validate the rules file; a missing file that is not ``required`` means the built-in defaults."""
    if not path.exists():
        if required:
            raise InvalidInputError(str(path), "quality review rules file not found")
        return parse_rules({})
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise InvalidInputError(str(path), f"not valid YAML: {e}") from e
    return parse_rules(data, str(path))
