"""The action server's one knowledge-base retriever, loaded on first use (never at import, never per request)."""

from __future__ import annotations

from actions.settings import get_settings
from kb import Retriever
from kb.lazy import LazyRetriever

__all__ = ["RetrieverHolder", "get_retriever_holder"]

# The name actions/faq.py and its tests know the shared lazy loader by.
RetrieverHolder = LazyRetriever


def _load_from_settings() -> Retriever:
    return Retriever.load(get_settings().kb.index_dir)


_holder = LazyRetriever(_load_from_settings)


def get_retriever_holder() -> LazyRetriever:
    """The process-wide holder, reading ``KB_INDEX_DIR`` when it first loads."""
    return _holder
