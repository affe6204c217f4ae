"""Turn articles into the text chunks that get embedded: title, sample questions, short answer, details."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from kb.articles import Article

__all__ = ["CHUNKER_VERSION", "Chunk", "ChunkKind", "chunk_article", "chunk_articles", "clean_markdown"]

# Bump when the chunking below changes, so that stored indexes are rebuilt.
CHUNKER_VERSION = 1
MAX_DETAIL_CHARS = 500

ChunkKind = str  # one of "title", "question", "answer", "detail"


@dataclass(frozen=True)
class Chunk:
    """One embedded text. ``position`` numbers sample questions so translations of one question line up."""

    article_id: str
    language: str
    kind: ChunkKind
    position: int
    text: str

    @property
    def key(self) -> str:
        """Content key: two chunks with the same key have the same embedding."""
        return hashlib.sha256(f"{self.kind}\x00{self.text}".encode()).hexdigest()[:32]


_TABLE_RULE_RE = re.compile(r"^\s*\|?\s*:?-{2,}.*$", re.MULTILINE)
_MARKUP_RE = re.compile(r"[*_`#>]+")
_SPACES_RE = re.compile(r"[ \t]+")


def clean_markdown(text: str) -> str:
    """Strip the Markdown markup that carries no meaning for an embedding (emphasis, table rules, pipes)."""
    text = _TABLE_RULE_RE.sub("", text)
    text = _MARKUP_RE.sub("", text).replace("|", " ")
    lines = [_SPACES_RE.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def _pack_paragraphs(paragraphs: Iterable[str], limit: int) -> list[str]:
    """Group consecutive paragraphs into pieces of at most ``limit`` characters (a longer paragraph stays whole)."""
    pieces: list[str] = []
    current = ""
    for paragraph in paragraphs:
        if current and len(current) + len(paragraph) + 1 > limit:
            pieces.append(current)
            current = paragraph
        else:
            current = f"{current}\n{paragraph}" if current else paragraph
    if current:
        pieces.append(current)
    return pieces


def chunk_article(article: Article) -> list[Chunk]:
    """Chunks of every language of ``article``; details are prefixed with the title so they stand alone."""
    chunks: list[Chunk] = []
    for language in article.languages:
        title = article.titles[language]
        section = article.sections[language]
        chunks.append(Chunk(article.id, language, "title", 0, title))
        for position, question in enumerate(article.questions.get(language, ())):
            chunks.append(Chunk(article.id, language, "question", position, question))
        chunks.append(Chunk(article.id, language, "answer", 0, f"{title}\n{clean_markdown(section.short_answer)}"))
        paragraphs = [clean_markdown(block) for block in section.details.split("\n\n")]
        for position, piece in enumerate(_pack_paragraphs((p for p in paragraphs if p), MAX_DETAIL_CHARS)):
            chunks.append(Chunk(article.id, language, "detail", position, f"{title}\n{piece}"))
    return chunks


def chunk_articles(articles: Iterable[Article]) -> list[Chunk]:
    """Chunks of all articles, in a stable order."""
    return [chunk for article in articles for chunk in chunk_article(article)]
