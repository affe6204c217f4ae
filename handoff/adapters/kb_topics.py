"""Each knowledge-base article's topic, read from the built index's ``articles.json`` (re-read when it changes).

The handoff service reads only this small file, so it never loads the KB's vectors or encoders for routing.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_cache: dict[Path, tuple[float, dict[str, str]]] = {}


def article_topics(index_dir: Path) -> dict[str, str]:
    """Article id -> topic; empty when the index is not built or cannot be read (routing then ignores articles)."""
    path = index_dir / "articles.json"
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return {}
    with _lock:
        cached = _cache.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            topics = {
                str(key): str(entry["topic"])
                for key, entry in raw.items()
                if isinstance(entry, dict) and entry.get("topic")
            }
        except (OSError, ValueError, AttributeError) as error:
            logger.warning("KB articles.json unreadable (%s); routing ignores article topics", type(error).__name__)
            topics = {}
        _cache[path] = (stamp, topics)
        return topics
