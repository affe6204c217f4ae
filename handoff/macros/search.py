"""Ranking canned replies for the console's ``/`` search: the preferred languages first in their order (the
conversation's, then the agent's own), then how well the query matches (shortcut prefix, then shortcut or title,
then text), then by shortcut."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar


class Searchable(Protocol):
    """What the ranking reads of a canned reply."""

    @property
    def shortcut(self) -> str: ...

    @property
    def language(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def text(self) -> str: ...


T = TypeVar("T", bound=Searchable)


def match_rank(reply: Searchable, query: str) -> int | None:
    """0 shortcut starts with the query, 1 shortcut or title contains it, 2 text contains it, None no match.

    ``query`` is already case-folded; an empty query matches everything equally.
    """
    if not query:
        return 0
    shortcut = reply.shortcut.casefold()
    if shortcut.startswith(query):
        return 0
    if query in shortcut or query in reply.title.casefold():
        return 1
    if query in reply.text.casefold():
        return 2
    return None


def rank(replies: Iterable[T], query: str, languages: Sequence[str], limit: int) -> list[T]:
    """The best ``limit`` matches of ``query`` (a leading ``/`` is ignored), ``languages`` first in their order."""
    folded = query.strip().removeprefix("/").strip().casefold()
    scored: list[tuple[tuple[int, int, str, str], T]] = []
    for reply in replies:
        matched = match_rank(reply, folded)
        if matched is None:
            continue
        preference = languages.index(reply.language) if reply.language in languages else len(languages)
        scored.append(((preference, matched, reply.shortcut, reply.language), reply))
    scored.sort(key=lambda pair: pair[0])
    return [reply for _, reply in scored[:limit]]
