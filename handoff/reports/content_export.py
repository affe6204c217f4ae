"""A group of unanswered questions as content: training examples for an intent, or a draft knowledge-base article.

Training examples use the content tool's CSV (``python -m bot.content export/import``: columns
``kind,language,key,index,text,payload``). Its import replaces the examples of every (language, intent) in the
file, so the CSV carries the intent's current examples first and the group's questions after them: importing it
adds the questions and keeps everything else. A question is left out when it already is an example of some intent
(the validator forbids an example under two intents), when it holds masked personal data or square brackets (they
would read as a broken entity annotation), or when it starts like a spreadsheet formula.

The article draft is a new ``kb/articles/<id>.md`` in the knowledge base's own format: a title and the questions as
sample questions for each language of the group, and an empty section per language for the writer's answer (the KB
validator refuses an empty section, so an unwritten draft can never be built into the index).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import yaml

from handoff.reports.nlu_examples import NluExamples, normalise

# The content tool's CSV columns (bot/content/csv_io.py), in order.
CONTENT_COLUMNS = ("kind", "language", "key", "index", "text", "payload")
INTENT_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{0,63}$"
ARTICLE_ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+){0,15}$"
# The knowledge base's topics (kb/articles.py).
ARTICLE_TOPICS = ("general", "orders", "billing", "account")
_FORMULA_START = ("=", "+", "-", "@")
_UNSAFE = re.compile(r"[\[\]{}]")


@dataclass(frozen=True)
class GroupText:
    """One distinct question of a group (already masked), in the language it was asked in most often."""

    text: str
    language: str | None
    count: int


@dataclass(frozen=True)
class TrainingExport:
    """The CSV, and how many questions were added and left out."""

    csv: str
    added: int
    skipped: int


def usable_example(text: str) -> bool:
    """Whether a question can become a training example as it is."""
    return bool(text.strip()) and not _UNSAFE.search(text) and not text.startswith(_FORMULA_START)


def training_csv(texts: Iterable[GroupText], intent: str, current: NluExamples) -> TrainingExport:
    """The intent's current examples plus the group's usable questions, per language the group was asked in."""
    new: dict[str, list[str]] = {}
    seen = set(current.owner)
    added = skipped = 0
    for item in texts:
        key = normalise(item.text)
        if item.language is None or not usable_example(item.text) or key in seen:
            skipped += 1
            continue
        seen.add(key)
        new.setdefault(item.language, []).append(" ".join(item.text.split()))
        added += 1
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CONTENT_COLUMNS)
    for language in sorted(new):
        rows = [*current.examples.get((language, intent), []), *new[language]]
        for index, text in enumerate(rows):
            writer.writerow(["example", language, intent, str(index), text, ""])
    return TrainingExport(buffer.getvalue(), added, skipped)


def _flow(values: Sequence[str]) -> str:
    """A YAML flow list of strings (JSON-compatible quoting, which YAML reads back exactly)."""
    return (
        "["
        + ", ".join(yaml.safe_dump(v, allow_unicode=True, default_style='"', width=10**6).strip() for v in values)
        + "]"
    )


def _quoted(value: str) -> str:
    """A double-quoted YAML scalar on one line."""
    return yaml.safe_dump(value, allow_unicode=True, default_style='"', width=10**6).strip()


def article_draft(texts: Sequence[GroupText], label: str, article_id: str, topic: str) -> str:
    """A ``kb/articles/<article_id>.md`` draft: per language, the most frequent question as the title, every question
    as a sample question, and an empty section to write the answer in."""
    by_language: dict[str, list[str]] = {}
    for item in sorted(texts, key=lambda t: (-t.count, t.text)):
        if item.language is not None and item.text.strip():
            by_language.setdefault(item.language, []).append(" ".join(item.text.split()))
    languages = sorted(by_language)
    lines = ["---", f"id: {article_id}", f"topic: {topic}", "tags: []", "title:"]
    lines += [f"  {language}: {_quoted(by_language[language][0])}" for language in languages]
    lines.append("questions:")
    lines += [f"  {language}: {_flow(by_language[language])}" for language in languages]
    lines.append("---")
    for language in languages:
        lines += [f"<!-- lang: {language} -->", ""]
    header = f"Draft from the unanswered questions grouped as: {label}"
    return "\n".join([*lines[:1], f"# {_comment(header)}", *lines[1:]]) + "\n"


def _comment(text: str) -> str:
    """One YAML comment line (no line breaks)."""
    return " ".join(text.split())
