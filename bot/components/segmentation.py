"""Split chat text into word-like pieces with exact character offsets (pure, no Rasa).

- Latin (and other spaced scripts: Cyrillic, Greek, Hangul...): letter/digit runs; hyphen, dot, slash and
  colon join pieces, so order ids (NB-123456), times (21:35) and prices (9.99) stay one token; apostrophes
  split French and English elisions (l'adresse -> l, adresse).
- Arabic: letters, diacritics and tatweel stay together; the token text drops tatweel and harakat so that
  "شكـــرا" and "شُكْرًا" match "شكرا", while offsets still cover the original characters. Arabic
  punctuation (، ؛ ؟) and all other punctuation separate tokens and are dropped, like Rasa's
  WhitespaceTokenizer does.
- Chinese Han characters and Japanese hiragana: one token per character (no dictionary needed; DIET's
  features then see characters), or Han runs cut into words by a `HanSegmenter` such as jieba (`whole_run`
  keeps them whole); `split_hiragana=False` keeps hiragana runs whole.
- Katakana runs (loanwords) and Thai runs (Thai writes spaces between phrases, not words) stay whole, so
  character n-gram features see them intact; `split_thai` cuts Thai into grapheme clusters instead.
- Emoji (with skin tones, ZWJ sequences, flags) are tokens of their own.
- URLs and e-mail addresses are single tokens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import regex

from bot.components.scripts import ARABIC_DIACRITICS

_NOT_SPACED = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Arabic}"
_SPACED_CHAR = rf"[[\p{{L}}\p{{M}}\p{{N}}]--[{_NOT_SPACED}]]"
_PATTERNS = {
    "url": r"(?:https?://|www\.)[^\s<>\"]+[^\s<>\".,;:!?)\]]",
    "email": r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    "word": rf"{_SPACED_CHAR}+(?:[-_./:]{_SPACED_CHAR}+)*",
    # An Arabic letter, then Arabic letters, tatweel (U+0640) or combining marks (harakat are Inherited).
    "arabic": r"[\p{Arabic}&&[\p{L}\p{N}]][[\p{Arabic}&&[\p{L}\p{M}\p{N}]]\u0640\p{Mn}]*",
    "katakana": r"[\p{Katakana}ー]+",
    "han": r"\p{Han}+",
    "hiragana": r"\p{Hiragana}+",
    "thai": r"[\p{Thai}&&[\p{L}\p{M}\p{N}]]+",
    "emoji": r"\p{Regional_Indicator}{2}|(?=\p{Extended_Pictographic})\X",
}
_TOKEN_RE = regex.compile(
    "|".join(f"(?P<{name}>{pattern})" for name, pattern in _PATTERNS.items()),
    regex.V1,
)
_THAI_CLUSTER_RE = regex.compile(r"\X")

# Cuts a run of Han characters into words: returns (start, end) offsets into the run, in order.
HanSegmenter = Callable[[str], list[tuple[int, int]]]


def whole_run(run: str) -> list[tuple[int, int]]:
    """The `HanSegmenter` that keeps a Han run as one token."""
    return [(0, len(run))]


def _characters(run: str) -> list[tuple[int, int]]:
    return [(i, i + 1) for i in range(len(run))]


@dataclass(frozen=True)
class Piece:
    """A token candidate: normalised text and its [start, end) span in the original string."""

    text: str
    start: int
    end: int
    kind: str


def segment(
    text: str, split_thai: bool = False, han_segmenter: HanSegmenter | None = None, split_hiragana: bool = True
) -> list[Piece]:
    """Pieces of `text` in order; `text[piece.start:piece.end]` is always the original surface form
    (Arabic pieces carry a normalised text). Han runs are cut per character unless `han_segmenter` is given.
    """
    pieces: list[Piece] = []
    for match in _TOKEN_RE.finditer(text):
        kind = match.lastgroup or "word"
        start, end = match.span()
        surface = match.group()
        if kind == "arabic":
            normalised = ARABIC_DIACRITICS.sub("", surface)
            if normalised:
                pieces.append(Piece(normalised, start, end, kind))
        elif kind == "han":
            spans = (han_segmenter or _characters)(surface)
            pieces.extend(Piece(surface[a:b], start + a, start + b, kind) for a, b in spans if b > a)
        elif kind == "hiragana" and split_hiragana:
            pieces.extend(Piece(char, start + i, start + i + 1, kind) for i, char in enumerate(surface))
        elif kind == "thai" and split_thai:
            for cluster in _THAI_CLUSTER_RE.finditer(surface):
                pieces.append(Piece(cluster.group(), start + cluster.start(), start + cluster.end(), kind))
        else:
            pieces.append(Piece(surface, start, end, kind))
    return pieces


__all__ = ["HanSegmenter", "Piece", "segment", "whole_run"]
