"""A lexical signal: Okapi BM25 over the chunks, with an inverted index (pure Python, built at load time).

Words are lower-cased ``\\w+`` tokens after NFKC (full-width and half-width forms become ordinary ones), with
Latin diacritics folded (chat is often typed without them, Vietnamese especially). Chinese and Japanese, written
without spaces, become character bigrams plus single ideographs (single kana are particles and endings, which
match everything). Arabic words are normalised (diacritics, tatweel, alef/hamza, taa marbuta and alef maqsura
variants), since chat Arabic drops the hamzas and marks the articles' spelling keeps. Light stemming (Larkey's
light10) was measured and not kept: it matched more function words than content words (bench/kb/README.md).
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

__all__ = ["LEXICAL_WEIGHT", "Bm25", "article_lexical", "fold_latin", "normalise_arabic", "tokens"]

# Weight of the lexical signal in the single-encoder ranking (BM25 of the article's best chunk, divided by the
# best article's BM25 for the question), chosen on the first held-out set with bench/kb/lexical_probe.py.
LEXICAL_WEIGHT = 0.1

_WORD = re.compile(r"\w+", re.UNICODE)
# Ideographs, hiragana and katakana: scripts written without spaces between words.
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_IDEOGRAPH = re.compile(r"[\u4e00-\u9fff]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_ARABIC_MARKS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})


def normalise_arabic(word: str) -> str:
    """Without diacritics and tatweel, with one letter for each group of spelling variants chat mixes up."""
    return _ARABIC_MARKS.sub("", word).translate(_ARABIC_LETTERS)


def fold_latin(word: str) -> str:
    """``word`` without its Latin letters' marks (``hủy`` -> ``huy``, ``envío`` -> ``envio``); other scripts stay."""
    if word.isascii():
        return word
    return "".join(_fold_char(char) for char in word)


def _fold_char(char: str) -> str:
    # Letter by letter: kana voicing marks also decompose into combining marks, and must stay.
    if char == "đ":
        return "d"
    if not ("LATIN" in unicodedata.name(char, "") and unicodedata.decomposition(char)):
        return char
    return "".join(part for part in unicodedata.normalize("NFD", char) if not unicodedata.combining(part))


def tokens(text: str) -> list[str]:
    """Lower-cased, normalised words; CJK runs become character bigrams plus their single ideographs."""
    out: list[str] = []
    # Arabic marks are not word characters: removed first, they would otherwise split the words they sit on.
    for word in _WORD.findall(_ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", text)).lower()):
        if _CJK.search(word):
            chars = list(fold_latin(word))
            out += [char for char in chars if _IDEOGRAPH.match(char) or len(chars) == 1]
            out += [first + second for first, second in itertools.pairwise(chars)]
        elif _ARABIC.search(word):
            out.append(normalise_arabic(word))
        else:
            out.append(fold_latin(word))
    return out


class Bm25:
    """BM25 scores of documents for a query; documents are given as token lists."""

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self._postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        lengths = [len(document) for document in documents]
        for number, document in enumerate(documents):
            for term, frequency in Counter(document).items():
                self._postings[term].append((number, frequency))
        count = len(documents)
        average = sum(lengths) / count if count else 1.0
        self._norms = [k1 * (1 - b + b * length / average) for length in lengths]
        self._idf = {
            term: math.log(1 + (count - len(posting) + 0.5) / (len(posting) + 0.5))
            for term, posting in self._postings.items()
        }
        self._k1 = k1
        self.size = count

    def scores(self, query: Sequence[str]) -> dict[int, float]:
        """Non-zero scores by document number."""
        totals: dict[int, float] = defaultdict(float)
        for term in set(query):
            idf = self._idf.get(term)
            if idf is None:
                continue
            for number, frequency in self._postings[term]:
                totals[number] += idf * frequency * (self._k1 + 1) / (frequency + self._norms[number])
        return dict(totals)


def article_lexical(
    chunk_scores: Mapping[int, float], article_of: Sequence[str], article_ids: Sequence[str]
) -> list[float]:
    """BM25 of each article's best chunk, divided by the best article's (0 when nothing matches).

    ``chunk_scores`` are :meth:`Bm25.scores`; ``article_of[n]`` is the article of chunk ``n``.
    """
    best: dict[str, float] = {}
    for number, value in chunk_scores.items():
        article_id = article_of[number]
        best[article_id] = max(best.get(article_id, 0.0), value)
    top = max(best.values(), default=0.0) or 1.0
    return [best.get(article_id, 0.0) / top for article_id in article_ids]
