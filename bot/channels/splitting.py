"""Splitting long bot messages into parts within a platform's length limit, on sentence boundaries when possible.

Sentence ends are Latin (`.`, `!`, `?`, `…`), Arabic (`؟`, `۔`) and CJK (`。`, `！`, `？`) punctuation, and line breaks.
A sentence longer than the limit is cut at the last space before the limit, and only a text without any space
(Chinese, a URL) is cut at the limit itself. Limits count Unicode code points, which is how the platforms count.
"""

from __future__ import annotations

import re

# A sentence: shortest run of text up to sentence-ending punctuation (plus closing quotes/brackets) and the
# whitespace after it, or up to a line break, or the rest of the text.
_SENTENCE = re.compile(r"[^\n]*?(?:[.!?…؟۔]+[\"'”’)\]]*(?:\s+|$)|[。！？]+[」』”’)）]*\s*|\n+|$)", re.DOTALL)


def sentences(text: str) -> list[str]:
    """`text` cut after each sentence end; the pieces concatenate back to `text`."""
    pieces = [match.group(0) for match in _SENTENCE.finditer(text) if match.group(0)]
    return pieces


def _cut_long(piece: str, limit: int) -> list[str]:
    """A piece longer than `limit` cut at spaces, or hard at the limit when it has no usable space."""
    parts: list[str] = []
    rest = piece.strip()
    while len(rest) > limit:
        cut = rest.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def split_message(text: str, limit: int) -> list[str]:
    """`text` as parts of at most `limit` characters each, packed greedily sentence by sentence.

    Parts are stripped of surrounding whitespace; an empty or blank text gives no parts.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if len(text.strip()) <= limit:
        return [text.strip()] if text.strip() else []
    parts: list[str] = []
    current = ""
    for piece in sentences(text):
        if len((current + piece).strip()) <= limit:
            current += piece
            continue
        if current.strip():
            parts.append(current.strip())
        current = ""
        if len(piece.strip()) <= limit:
            current = piece
        else:
            *whole, last = _cut_long(piece, limit)
            parts.extend(whole)
            current = last + " "
    if current.strip():
        parts.append(current.strip())
    return parts
