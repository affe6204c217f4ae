"""Chinese word segmentation with jieba's bundled dictionary (loaded once, never downloaded)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bot.components.segmentation import HanSegmenter


class JiebaSegmenter:
    """Cuts a run of Han characters into dictionary words; offsets are relative to the run."""

    def __init__(self) -> None:
        """Load jieba's dictionary now (about 2 s), so that no message pays for it."""
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._tokenizer: Any = jieba.Tokenizer()
        self._tokenizer.initialize()

    def __call__(self, run: str) -> list[tuple[int, int]]:
        """(start, end) of each word of `run`, in order, covering it exactly (HMM off: deterministic)."""
        return [(start, end) for _, start, end in self._tokenizer.tokenize(run, HMM=False)]


# The Han word segmenters by the name `segmenter:<name>` in languages.yml and `han_segmentation` in config.yml give
# them (language_registry.SEGMENTERS repeats the names for its loader, which runs without the bot's packages).
HAN_SEGMENTERS: dict[str, Callable[[], HanSegmenter]] = {"jieba": JiebaSegmenter}

__all__ = ["HAN_SEGMENTERS", "JiebaSegmenter"]
