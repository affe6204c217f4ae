"""Our content checks, on top of `rasa data validate`: pure functions from loaded content to issues."""

from __future__ import annotations

import re
import string
from collections import Counter, defaultdict
from collections.abc import Iterable

from bot.content.annotations import normalise, parse_example
from bot.content.corpus import Example, NluCorpus, ResponseSet, Variation
from bot.content.issues import Issue, error, warning
from bot.content.settings import ContentSettings

_FORMATTER = string.Formatter()


def check_example_counts(corpus: NluCorpus, settings: ContentSettings, intents: Iterable[str]) -> list[Issue]:
    """Every intent has at least its minimum number of examples in every language."""
    counts = Counter((e.language, e.intent) for e in corpus.examples if e.language)
    issues: list[Issue] = []
    for language in settings.languages:
        files = corpus.files_by_language.get(language)
        if not files:
            folder = settings.path(settings.nlu_dir) / language
            issues.append(error(folder, 1, language, f"no NLU file for language '{language}'"))
            continue
        for intent in sorted(set(intents)):
            needed = settings.min_examples_for(intent)
            found = counts[(language, intent)]
            path, line = corpus.intent_lines.get((language, intent), (files[0], 1))
            if found == 0:
                issues.append(error(path, 1, language, f"intent '{intent}' has no examples in '{language}'"))
            elif found < needed:
                issues.append(
                    error(
                        path,
                        line,
                        language,
                        f"intent '{intent}' has {found} examples in '{language}', needs {needed}",
                    )
                )
    return issues


def check_duplicates(corpus: NluCorpus) -> list[Issue]:
    """No example appears under two intents (in any languages) or twice in one language."""
    seen: dict[str, Example] = {}
    issues: list[Issue] = []
    for example in corpus.examples:
        key = normalise(parse_example(example.text).plain)
        first = seen.get(key)
        if first is None:
            seen[key] = example
            continue
        where = f"{first.path}:{first.line} [{first.language or '-'}]"
        if first.intent != example.intent:
            message = (
                f"example '{example.text}' of intent '{example.intent}' is also an example "
                f"of intent '{first.intent}' at {where}"
            )
            issues.append(error(example.path, example.line, example.language, message))
        elif first.language == example.language:
            message = f"example '{example.text}' is repeated (first at {where})"
            issues.append(error(example.path, example.line, example.language, message))
        else:
            message = (
                f"example '{example.text}' of intent '{example.intent}' is also written in "
                f"'{first.language}' at {where}"
            )
            issues.append(warning(example.path, example.line, example.language, message))
    return issues


def _annotation_issues(
    example: Example, settings: ContentSettings, synonyms: dict[str, str], pattern: re.Pattern[str]
) -> list[str]:
    parsed = parse_example(example.text)
    problems = list(parsed.errors)
    for annotation in parsed.annotations:
        if annotation.entity not in settings.known_entities:
            known = ", ".join(settings.known_entities)
            problems.append(f"unknown entity '{annotation.entity}' (known: {known})")
        elif annotation.entity == "order_id" and not pattern.fullmatch(annotation.text):
            problems.append(f"order_id '{annotation.text}' does not match {settings.order_id_pattern}")
        elif annotation.entity == "language":
            value = annotation.value or synonyms.get(annotation.text.casefold(), annotation.text)
            if value not in settings.languages:
                problems.append(
                    f"language '{annotation.text}' maps to '{value}', not one of "
                    f"{', '.join(settings.languages)}; add a value or a synonym"
                )
    return problems


def check_annotations(corpus: NluCorpus, settings: ContentSettings) -> list[Issue]:
    """Entity annotations are well formed, name known entities and carry valid values."""
    pattern = re.compile(settings.order_id_pattern)
    issues: list[Issue] = []
    for example in corpus.examples:
        for problem in _annotation_issues(example, settings, corpus.synonyms, pattern):
            issues.append(error(example.path, example.line, example.language, problem))
    for text, value in sorted(corpus.synonyms.items()):
        if value in settings.languages or len(value) != 2:
            continue
        path = settings.path(settings.nlu_dir)
        issues.append(error(path, 1, None, f"synonym '{text}' maps to unknown code '{value}'"))
    return issues


def placeholders(text: str) -> set[str]:
    """The `{slot}` placeholders of a response text."""
    try:
        return {name for _lit, name, _spec, _conv in _FORMATTER.parse(text) if name}
    except ValueError:
        return {"<unbalanced braces>"}


def _variation_issues(
    name: str, variations: list[Variation], settings: ContentSettings
) -> tuple[list[Issue], dict[str, list[Variation]]]:
    issues: list[Issue] = []
    by_language: dict[str, list[Variation]] = defaultdict(list)
    for variation in variations:
        language = variation.language(settings.language_slot)
        if language is None:
            issues.append(
                error(
                    variation.path,
                    variation.line,
                    None,
                    f"response '{name}' has a variation without a condition on slot "
                    f"'{settings.language_slot}'; it would answer every language",
                )
            )
        elif language not in settings.languages:
            issues.append(
                error(
                    variation.path,
                    variation.line,
                    language,
                    f"response '{name}' has a variation for unsupported language '{language}'",
                )
            )
        else:
            by_language[language].append(variation)
        if not variation.text.strip():
            issues.append(error(variation.path, variation.line, language, f"'{name}' is empty"))
    return issues, by_language


def check_responses(responses: ResponseSet, settings: ContentSettings) -> list[Issue]:
    """Every response has its variations in exactly the supported languages, consistently."""
    issues: list[Issue] = []
    for name, variations in responses.variations.items():
        line = responses.lines.get(name, 1)
        found, by_language = _variation_issues(name, variations, settings)
        issues.extend(found)
        allowed = settings.max_variations_for(name)
        reference: Variation | None = None
        for language in settings.languages:
            mine = by_language.get(language, [])
            if not mine:
                issues.append(
                    error(
                        responses.path,
                        line,
                        language,
                        f"response '{name}' has no '{language}' variation (missing translation)",
                    )
                )
                continue
            if len(mine) > allowed:
                issues.append(
                    error(
                        mine[allowed].path,
                        mine[allowed].line,
                        language,
                        f"response '{name}' has {len(mine)} '{language}' variations, at most {allowed} allowed",
                    )
                )
            reference = reference or mine[0]
            issues.extend(_consistency_issues(name, reference, mine, language))
    return issues


def _consistency_issues(name: str, reference: Variation, variations: list[Variation], language: str) -> list[Issue]:
    issues: list[Issue] = []
    expected = placeholders(reference.text)
    ref_language = reference.conditions[0][2] if reference.conditions else "-"
    for variation in variations:
        got = placeholders(variation.text)
        if got != expected:
            missing = ", ".join(sorted(expected - got)) or "-"
            extra = ", ".join(sorted(got - expected)) or "-"
            issues.append(
                error(
                    variation.path,
                    variation.line,
                    language,
                    f"response '{name}' placeholders differ from '{ref_language}': "
                    f"missing {missing}; unexpected {extra}",
                )
            )
        ref_payloads = [b.payload for b in reference.buttons]
        if [b.payload for b in variation.buttons] != ref_payloads:
            issues.append(
                error(
                    variation.path,
                    variation.line,
                    language,
                    f"response '{name}' buttons differ from '{ref_language}' (payloads {ref_payloads})",
                )
            )
    return issues
