"""The action server's one knowledge-base retriever, loaded on first use (never at import, never per request)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from actions.settings import get_settings
from kb import Retriever

__all__ = ["RetrieverHolder", "get_retriever_holder"]


class RetrieverHolder:
    """Loads a retriever once, the first time it is needed, and hands the same one to every caller.

    A failed load is not cached: the next request tries again (for example once the index is built).
    """

    def __init__(self, loader: Callable[[], Retriever]) -> None:
        self._loader = loader
        self._lock = threading.Lock()
        self._retriever: Retriever | None = None

    def get(self) -> Retriever:
        """The loaded retriever (loading it now if this is the first call)."""
        if self._retriever is None:
            with self._lock:
                if self._retriever is None:
                    self._retriever = self._loader()
        return self._retriever


def _load_from_settings() -> Retriever:
    return Retriever.load(get_settings().kb.index_dir)


_holder = RetrieverHolder(_load_from_settings)


def get_retriever_holder() -> RetrieverHolder:
    """The process-wide holder, reading ``KB_INDEX_DIR`` when it first loads."""
    return _holder
