"""An in-process LRU of translations, shared by every request of a worker (thread-safe)."""

from __future__ import annotations

import threading
from collections import OrderedDict

CacheKey = tuple[str, str, str, str]


class TranslationCache:
    """Least-recently-used translations keyed by (provider, source, target, text); ``size`` 0 keeps nothing."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[CacheKey, str] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(provider: str, source: str | None, target: str, text: str) -> CacheKey:
        """The cache key of one text."""
        return (provider, source or "auto", target, text)

    def get(self, key: CacheKey) -> str | None:
        """The cached translation, refreshed as most recently used, or None."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: CacheKey, value: str) -> None:
        """Remember a translation, evicting the least recently used beyond ``size``."""
        if self._size <= 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
