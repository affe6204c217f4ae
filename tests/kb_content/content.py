"""Read-only helpers over the knowledge-base content: article files and benchmark question files.

They parse only what the content rules need (front matter, language sections, numbers), independently
of ``kb.articles``, so that the editorial checks keep working while the KB code changes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from language_registry import codes

ROOT = Path(__file__).resolve().parents[2]
ARTICLES_DIR = ROOT / "kb" / "articles"
QUESTIONS_DIR = ROOT / "bench" / "kb" / "questions"
CALIBRATION_FILE = ROOT / "kb" / "calibration" / "out_of_scope.yml"

LANGUAGES: tuple[str, ...] = codes()
ARTICLE_IDS: tuple[str, ...] = (
    "shipping-times",
    "international-shipping",
    "track-order",
    "return-policy",
    "refund-timeline",
    "payment-methods",
    "reset-password",
    "two-factor",
    "change-email",
    "delete-account",
    "privacy-data",
    "cancel-subscription",
    "change-address",
    "invoice",
    "warranty",
    "damaged-item",
    "gift-cards",
    "student-discount",
    "support-hours",
    "cancel-order-before-shipping",
)

_FRONT_RE = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.DOTALL)
_MARKER_RE = re.compile(r"^<!-- lang: ([a-z]{2}) -->$", re.MULTILINE)
# A group of digits with thousands separators (1,000 / 1.000 / 1 000), or a number with an optional decimal part.
_LIST_NUMBER_RE = re.compile(r"^\s*\d+\.\s", re.MULTILINE)
_NUMBER_RE = re.compile(r"\d{1,3}(?:[ \u00a0\u202f.,]\d{3})+(?![\d.,])|\d+(?:[.,]\d+)?")


@dataclass(frozen=True)
class ArticleContent:
    """One article file: its front matter and the text of each language section, in file order."""

    path: Path
    front: dict[str, Any]
    sections: dict[str, str]
    section_order: tuple[str, ...]

    def short_answer(self, language: str) -> str:
        """First paragraph of a language section: the text the bot sends in chat."""
        return re.split(r"\n\s*\n", self.sections[language].strip(), maxsplit=1)[0].strip()


def read_article(path: Path) -> ArticleContent:
    """Parse one ``kb/articles/<id>.md`` file; raise ``ValueError`` when its layout is broken."""
    match = _FRONT_RE.match(path.read_text(encoding="utf-8"))
    if match is None:
        raise ValueError(f"{path.name}: no front matter between `---` lines")
    front = yaml.safe_load(match.group(1))
    if not isinstance(front, dict):
        raise ValueError(f"{path.name}: front matter is not a mapping")
    body = match.group(2)
    markers = list(_MARKER_RE.finditer(body))
    sections: dict[str, str] = {}
    for position, marker in enumerate(markers):
        end = markers[position + 1].start() if position + 1 < len(markers) else len(body)
        sections[marker.group(1)] = body[marker.end() : end].strip()
    return ArticleContent(path, front, sections, tuple(marker.group(1) for marker in markers))


def read_articles() -> dict[str, ArticleContent]:
    """Every article under ``kb/articles``, by file stem."""
    return {path.stem: read_article(path) for path in sorted(ARTICLES_DIR.glob("*.md"))}


def read_question_file(path: Path) -> dict[str, Any]:
    """One ``bench/kb/questions/<lang>.yml`` file as loaded by YAML."""
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise ValueError(f"{path.name}: expected a mapping with `language` and `questions`")
    return loaded


def numbers(text: str) -> set[str]:
    """Numbers in a text, normalised so that 1,000 / 1.000 / 1 000, 4,99 / 4.99 and 08:00 / 8 h compare equal.

    URLs and the numbers of numbered-list items are ignored; ``00`` (the minutes of a full hour) is dropped.
    """
    found: set[str] = set()
    text = re.sub(r"https?://\S+", " ", text)
    text = _LIST_NUMBER_RE.sub("", text)
    for token in _NUMBER_RE.findall(text):
        if re.fullmatch(r"\d{1,3}(?:[ \u00a0\u202f.,]\d{3})+", token):
            token = re.sub(r"\D", "", token)
        token = token.replace(",", ".")
        if set(token) <= {"0"} and len(token) == 2:
            continue
        value = float(token)
        found.add(str(int(value)) if value.is_integer() else f"{value:g}")
    return found


def normalise(text: str) -> str:
    """Lower case, no accents or diacritics, no punctuation, single spaces: to compare near-identical questions."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(char for char in decomposed if not unicodedata.combining(char))
    kept = re.sub(r"[\u064b-\u065f\u0640]", "", kept)  # Arabic short vowels and tatweel
    kept = re.sub(r"[أإآ]", "ا", kept)
    return " ".join(re.sub(r"[^\w\s]", " ", kept).split())
