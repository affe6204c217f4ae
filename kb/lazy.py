"""A retriever loaded on first use and shared by every caller of the process: the action server's FAQ answers and
the handoff service's reply suggestions both read the index this way (never at import, never per request)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from kb.retriever import Retriever

__all__ = ["LazyRetriever", "shared_retriever"]


class LazyRetriever:
    """Loads a retriever once, the first time it is needed, and hands the same one to every caller.

    A failed load is not kept: the next call tries again (for example once the index is built).
    """

    def __init__(self, loader: Callable[[], Retriever]) -> None:
        self._loader = loader
        self._lock = threading.Lock()
        self._retriever: Retriever | None = None

    @classmethod
    def at(cls, index_dir: Path) -> LazyRetriever:
        """A lazy retriever of the index built in `index_dir`."""
        return cls(lambda: Retriever.load(index_dir))

    def get(self) -> Retriever:
        """The loaded retriever (loading it now if this is the first call)."""
        if self._retriever is None:
            with self._lock:
                if self._retriever is None:
                    self._retriever = self._loader()
        return self._retriever


# A process keeps the retrievers of its last two index directories (a rebuilt index usually comes in a new one).
_KEPT = 2
_shared: OrderedDict[Path, LazyRetriever] = OrderedDict()
_shared_lock = threading.Lock()


def shared_retriever(index_dir: Path) -> LazyRetriever:
    """The process's one lazy retriever for `index_dir` (the same object for every caller of that directory)."""
    key = index_dir.resolve()
    with _shared_lock:
        lazy = _shared.get(key)
        if lazy is None:
            lazy = _shared[key] = LazyRetriever.at(key)
            while len(_shared) > _KEPT:
                _shared.popitem(last=False)
        _shared.move_to_end(key)
        return lazy
