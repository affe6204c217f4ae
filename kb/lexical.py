"""A lexical signal: Okapi BM25 over the chunks, with an inverted index (pure Python, built at load time).

Words are lower-cased ``\\w+`` tokens; Chinese characters become single characters and bigrams,
since Chinese is written without spaces.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

__all__ = ["LEXICAL_WEIGHT", "Bm25", "article_lexical", "tokens"]

# Weight of the lexical signal in the single-encoder ranking (BM25 of the article's best chunk, divided by the
# best article's BM25 for the question), chosen on the first held-out set with bench/kb/lexical_probe.py.
LEXICAL_WEIGHT = 0.1

_WORD = re.compile(r"\w+", re.UNICODE)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def tokens(text: str) -> list[str]:
    """Lower-cased words; CJK runs become characters plus character bigrams."""
    out: list[str] = []
    for word in _WORD.findall(text.lower()):
        if _CJK.search(word):
            chars = list(word)
            out += chars + [first + second for first, second in itertools.pairwise(chars)]
        else:
            out.append(word)
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
