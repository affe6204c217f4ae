"""kb/lazy.py: one retriever per process and index directory, loaded on first use; a failed load is tried again."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb import IndexNotBuiltError, Retriever
from kb.lazy import LazyRetriever, shared_retriever


def test_loaded_once_and_a_failure_is_not_kept() -> None:
    """The loader runs until it succeeds, then never again; every caller gets the same retriever."""
    calls: list[int] = []
    built = object()

    def loader() -> Retriever:
        calls.append(1)
        if len(calls) == 1:
            raise IndexNotBuiltError("not built yet", index_dir=Path("nowhere"))
        return built  # type: ignore[return-value]

    lazy = LazyRetriever(loader)
    with pytest.raises(IndexNotBuiltError):
        lazy.get()
    assert lazy.get() is built
    assert lazy.get() is built
    assert len(calls) == 2


def test_one_shared_lazy_retriever_per_directory(tmp_path: Path) -> None:
    """Both services' callers of one directory share one loader (paths are resolved); only the last two are kept."""
    first = shared_retriever(tmp_path / "a")
    assert shared_retriever(tmp_path / "x" / ".." / "a") is first
    shared_retriever(tmp_path / "b")
    shared_retriever(tmp_path / "c")
    assert shared_retriever(tmp_path / "a") is not first


def test_a_missing_index_fails_with_the_kbs_error(tmp_path: Path) -> None:
    """Nothing is built in the directory: the KB's own error, raised again on the next call."""
    lazy = shared_retriever(tmp_path / "empty")
    for _ in range(2):
        with pytest.raises(IndexNotBuiltError, match=r"no index here"):
            lazy.get()
