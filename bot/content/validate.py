"""`validate`: `rasa data validate` plus our content checks, with file/line/language messages."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, replace

from ruamel.yaml.error import YAMLError

from bot.content.checks import (
    check_annotations,
    check_duplicates,
    check_example_counts,
    check_responses,
)
from bot.content.corpus import load_nlu, load_responses, read_yaml
from bot.content.issues import Issue, error, warning
from bot.content.settings import ContentSettings


@dataclass(frozen=True)
class RasaValidation:
    """Outcome of running `rasa data validate`."""

    returncode: int
    output: str


def domain_names(settings: ContentSettings, section: str) -> set[str]:
    """Names listed under `intents:` or `entities:` in the domain file(s), if readable."""
    domain = settings.path(settings.domain)
    files = sorted(domain.rglob("*.yml")) if domain.is_dir() else [domain]
    names: set[str] = set()
    for path in files:
        try:
            data = read_yaml(path) if path.exists() else None
        except YAMLError:
            continue
        for name in (data or {}).get(section) or []:
            names.add(str(next(iter(name))) if isinstance(name, dict) else str(name))
    return names


def content_issues(settings: ContentSettings) -> list[Issue]:
    """Runs our own checks on NLU data and responses."""
    entities = tuple(sorted(set(settings.known_entities) | domain_names(settings, "entities")))
    settings = replace(settings, known_entities=entities)
    corpus, issues = load_nlu(settings.path(settings.nlu_dir), settings.languages)
    responses, response_issues = load_responses(settings.path(settings.responses))
    issues.extend(response_issues)
    intents = set(corpus.intents())
    for intent in sorted(domain_names(settings, "intents") - intents):
        issues.append(
            warning(
                settings.path(settings.domain),
                1,
                None,
                f"domain intent '{intent}' has no examples in any language (fine only if it is triggered externally)",
            )
        )
    issues.extend(check_example_counts(corpus, settings, intents))
    issues.extend(check_duplicates(corpus))
    issues.extend(check_annotations(corpus, settings))
    issues.extend(check_responses(responses, settings))
    return issues


def run_rasa_validate(settings: ContentSettings) -> RasaValidation:
    """Runs `rasa data validate` in the project root with this interpreter."""
    data = [str(p) for p in (settings.nlu_dir, settings.dialogue_data) if settings.path(p).exists()]
    command = [sys.executable, "-m", "rasa", "data", "validate", "--config", str(settings.config)]
    command += ["--domain", str(settings.domain), "--data", *data]
    done = subprocess.run(command, cwd=settings.project_root, capture_output=True, text=True, check=False)
    return RasaValidation(done.returncode, done.stdout + done.stderr)


def rasa_issue(settings: ContentSettings, result: RasaValidation) -> list[Issue]:
    """An error issue when `rasa data validate` failed."""
    if result.returncode == 0:
        return []
    config = settings.path(settings.config)
    return [error(config, 1, None, f"rasa data validate failed (exit code {result.returncode})")]
