"""Read and validate knowledge-base articles (``kb/articles/<id>.md``).

Format: YAML front matter (id, topic, tags, title per language, optional sample
questions per language) followed by one section per language, each opened by the
marker line ``<!-- lang: xx -->``. The first paragraph of a section is the short
answer the bot sends; the rest is detail.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kb.errors import ArticleError
from language_registry import codes

__all__ = [
    "TOPICS",
    "Article",
    "Section",
    "ValidationReport",
    "load_articles",
    "parse_article",
    "validate_articles",
]

TOPICS: tuple[str, ...] = ("general", "orders", "billing", "account")
_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_MARKER_RE = re.compile(r"^<!--\s*lang:\s*([A-Za-z-]+)\s*-->\s*$", re.MULTILINE)
_FRONT_RE = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)


@dataclass(frozen=True)
class Section:
    """One language's text of an article: the short answer and the details after it."""

    short_answer: str
    details: str

    @property
    def body(self) -> str:
        """Short answer and details as one text."""
        return f"{self.short_answer}\n\n{self.details}".strip()


@dataclass(frozen=True)
class Article:
    """A parsed article; ``sections`` and ``titles`` hold only the languages written so far."""

    id: str
    topic: str
    tags: tuple[str, ...]
    titles: dict[str, str]
    questions: dict[str, tuple[str, ...]]
    sections: dict[str, Section]
    path: Path
    source: str = field(repr=False)

    @property
    def languages(self) -> tuple[str, ...]:
        """Languages that have both a title and a body, in the canonical order."""
        return tuple(code for code in codes() if code in self.sections and code in self.titles)

    def missing_languages(self, required: Iterable[str] | None = None) -> tuple[str, ...]:
        """Required languages that this article has no translation for."""
        return tuple(code for code in (codes() if required is None else required) if code not in self.languages)


@dataclass(frozen=True)
class ValidationReport:
    """Articles that parsed, hard errors, and missing translations (warnings unless strict)."""

    articles: tuple[Article, ...]
    errors: tuple[ArticleError, ...]
    missing_translations: tuple[ArticleError, ...]

    def problems(self, *, strict: bool) -> tuple[ArticleError, ...]:
        """Errors that fail a build: hard errors, plus missing translations when ``strict``."""
        return self.errors + (self.missing_translations if strict else ())


def _split_paragraphs(text: str) -> list[str]:
    return [block.strip() for block in re.split(r"\n\s*\n", text) if block.strip()]


def _parse_sections(body: str, path: Path, article_id: str) -> dict[str, Section]:
    markers = list(_MARKER_RE.finditer(body))
    if not markers:
        raise ArticleError(
            "no language section (expected a line `<!-- lang: en -->`)", path=path, article_id=article_id
        )
    if body[: markers[0].start()].strip():
        raise ArticleError("text before the first `<!-- lang: xx -->` marker", path=path, article_id=article_id)
    sections: dict[str, Section] = {}
    for position, marker in enumerate(markers):
        code = marker.group(1)
        if code not in codes():
            raise ArticleError(
                f"unknown language {code!r} in section marker (expected one of {', '.join(codes())})",
                path=path,
                article_id=article_id,
            )
        if code in sections:
            raise ArticleError(f"language {code!r} has two sections", path=path, article_id=article_id)
        end = markers[position + 1].start() if position + 1 < len(markers) else len(body)
        paragraphs = _split_paragraphs(body[marker.end() : end])
        if not paragraphs:
            raise ArticleError(f"empty body for language {code!r}", path=path, article_id=article_id)
        sections[code] = Section(short_answer=paragraphs[0], details="\n\n".join(paragraphs[1:]))
    return sections


def _str_map(value: Any, name: str, path: Path, article_id: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ArticleError(f"`{name}` must be a mapping of language to text", path=path, article_id=article_id)
    unknown = sorted(str(key) for key in value if key not in codes())
    if unknown:
        raise ArticleError(f"`{name}` has unknown languages: {', '.join(unknown)}", path=path, article_id=article_id)
    return {str(key): item for key, item in value.items()}


def parse_article(path: Path) -> Article:
    """Parse one article file; raise :class:`ArticleError` with the file and reason when it is invalid."""
    source = path.read_text(encoding="utf-8")
    front_match = _FRONT_RE.match(source)
    if front_match is None:
        raise ArticleError("missing YAML front matter between `---` lines", path=path)
    try:
        front = yaml.safe_load(front_match.group(1)) or {}
    except yaml.YAMLError as error:
        raise ArticleError(f"front matter is not valid YAML: {error}", path=path) from error
    if not isinstance(front, dict):
        raise ArticleError("front matter must be a mapping", path=path)
    article_id = front.get("id")
    if not isinstance(article_id, str) or not _ID_RE.match(article_id):
        raise ArticleError(f"`id` must be a lowercase slug like `shipping-times`, got {article_id!r}", path=path)
    topic = front.get("topic", "general")
    if topic not in TOPICS:
        raise ArticleError(
            f"`topic` must be one of {', '.join(TOPICS)}, got {topic!r}", path=path, article_id=article_id
        )
    tags = front.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise ArticleError("`tags` must be a list of strings", path=path, article_id=article_id)
    titles = {
        code: str(text).strip()
        for code, text in _str_map(front.get("title"), "title", path, article_id).items()
        if text is not None and str(text).strip()
    }
    questions: dict[str, tuple[str, ...]] = {}
    for code, items in _str_map(front.get("questions"), "questions", path, article_id).items():
        if items is None:
            continue
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise ArticleError(f"`questions.{code}` must be a list of strings", path=path, article_id=article_id)
        questions[code] = tuple(item.strip() for item in items if item.strip())
    sections = _parse_sections(source[front_match.end() :], path, article_id)
    untitled = [code for code in sections if code not in titles]
    if untitled:
        raise ArticleError(f"missing title for language(s) {', '.join(untitled)}", path=path, article_id=article_id)
    return Article(
        id=article_id,
        topic=topic,
        tags=tuple(tags),
        titles=titles,
        questions=questions,
        sections=sections,
        path=path,
        source=source,
    )


def validate_articles(directory: Path, required_languages: Iterable[str] | None = None) -> ValidationReport:
    """Parse every ``*.md`` under ``directory`` and collect all problems instead of stopping at the first."""
    required = codes() if required_languages is None else tuple(required_languages)
    articles: list[Article] = []
    errors: list[ArticleError] = []
    missing: list[ArticleError] = []
    seen: dict[str, Path] = {}
    for path in sorted(directory.glob("*.md")):
        try:
            article = parse_article(path)
        except ArticleError as error:
            errors.append(error)
            continue
        if article.id in seen:
            errors.append(
                ArticleError(
                    f"duplicate id {article.id!r} (also in {seen[article.id]})", path=path, article_id=article.id
                )
            )
            continue
        seen[article.id] = path
        if path.stem != article.id:
            errors.append(
                ArticleError(
                    f"file name {path.name!r} does not match id {article.id!r}", path=path, article_id=article.id
                )
            )
            continue
        lacking = article.missing_languages(required)
        if lacking:
            missing.append(ArticleError(f"missing translation: {', '.join(lacking)}", path=path, article_id=article.id))
        articles.append(article)
    return ValidationReport(articles=tuple(articles), errors=tuple(errors), missing_translations=tuple(missing))


def load_articles(directory: Path, *, strict: bool = False) -> tuple[Article, ...]:
    """Return the valid articles of ``directory``; raise the first problem (missing translations only if strict)."""
    if not directory.is_dir():
        raise ArticleError("articles directory does not exist", path=directory)
    report = validate_articles(directory)
    problems = report.problems(strict=strict)
    if problems:
        raise problems[0]
    return report.articles
