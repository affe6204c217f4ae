"""Evaluate a built index on held-out questions (``bench/kb/questions/<language>.yml``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from kb.errors import KbError
from kb.retriever import Retriever

__all__ = ["LanguageScore", "Question", "evaluate", "read_questions"]


@dataclass(frozen=True)
class Question:
    """A held-out question; ``article`` is None for out-of-scope questions."""

    language: str
    text: str
    article: str | None


@dataclass(frozen=True)
class LanguageScore:
    """Results for one language.

    ``top1`` counts in-scope questions whose best article is right (whatever the threshold);
    ``answered_right`` those the bot would actually answer with the right article;
    ``answered_wrong`` in-scope questions answered with a wrong article;
    ``oos_answered`` out-of-scope questions that wrongly got an answer.
    """

    language: str
    in_scope: int
    top1: int
    answered_right: int
    answered_wrong: int
    out_of_scope: int
    oos_answered: int


def read_questions(directory: Path) -> list[Question]:
    """Every question of every ``<language>.yml`` in ``directory``."""
    questions: list[Question] = []
    for path in sorted(directory.glob("*.yml")):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            raise KbError(f"{path}: not valid YAML: {error}") from error
        if not isinstance(raw, dict) or not isinstance(raw.get("questions"), list):
            raise KbError(f"{path}: expected `language:` and a `questions:` list")
        language = str(raw.get("language") or path.stem)
        for item in raw["questions"]:
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise KbError(f"{path}: every question needs a `text` (got {item!r})")
            article = item.get("article")
            questions.append(Question(language, item["text"], str(article) if article else None))
    return questions


def evaluate(retriever: Retriever, questions: Sequence[Question]) -> list[LanguageScore]:
    """Score every question; one row per language, in the order languages first appear."""
    rows: dict[str, dict[str, int]] = {}
    for question in questions:
        row = rows.setdefault(
            question.language,
            dict.fromkeys(("in_scope", "top1", "answered_right", "answered_wrong", "out_of_scope", "oos_answered"), 0),
        )
        hits = retriever.search(question.text, question.language, k=1)
        answered = bool(hits) and hits[0].score >= retriever.threshold_for(question.language)
        if question.article is None:
            row["out_of_scope"] += 1
            row["oos_answered"] += int(answered)
            continue
        right = bool(hits) and hits[0].article_id == question.article
        row["in_scope"] += 1
        row["top1"] += int(right)
        row["answered_right"] += int(answered and right)
        row["answered_wrong"] += int(answered and not right)
    return [LanguageScore(language=language, **counts) for language, counts in rows.items()]
