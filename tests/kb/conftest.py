"""Shared fixtures: the real default encoder and reranker (loaded once, each text embedded once per session) and one
index built from the fixture articles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kb import Encoder, Retriever, build_index, load_encoder
from kb.settings import DEFAULT_ENCODER, DEFAULT_RERANKER
from tests.kb.articles_fixture import write_articles
from tests.kb.remembering_encoder import RememberingEncoder


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The default multilingual encoder, loaded once for the whole session."""
    return RememberingEncoder(load_encoder(DEFAULT_ENCODER))


@pytest.fixture(scope="session")
def built_index(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Path:
    """An index of the three fixture articles, built once; tests must not modify it."""
    root = tmp_path_factory.mktemp("kb")
    articles = write_articles(root / "articles")
    build_index(articles, root / "index", encoder.name, encoder=encoder)
    return root / "index"


@pytest.fixture(scope="session")
def retriever(built_index: Path, encoder: Encoder) -> Retriever:
    """A retriever over the fixture index."""
    return Retriever.load(built_index, encoder=encoder)


@pytest.fixture(scope="session")
def reranker() -> Encoder:
    """The default reranker (the second encoder of the default index), loaded once, on every core as a build uses it."""
    return RememberingEncoder(load_encoder(DEFAULT_RERANKER, threads=os.cpu_count() or 1))


@pytest.fixture(scope="session")
def reranked_index(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder, reranker: Encoder) -> Path:
    """The fixture articles indexed as `make kb` indexes (encoder plus reranker); tests must not modify it."""
    root = tmp_path_factory.mktemp("kb-reranked")
    articles = write_articles(root / "articles")
    build_index(articles, root / "index", encoder.name, encoder=encoder, reranker_name=reranker.name, reranker=reranker)
    return root / "index"
