"""A Rasa tokenizer for Latin, Arabic and unspaced scripts (Chinese, Japanese, Thai) in one model."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.components.chinese_words import JiebaSegmenter
from bot.components.segmentation import HanSegmenter, segment


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class MultilingualTokenizer(Tokenizer):
    """Tokens with exact offsets for every script: see bot/components/segmentation.py for the rules."""

    @staticmethod
    def supported_languages() -> list[str] | None:
        """Any language: one model serves all of them."""
        return None

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config."""
        return {
            # Split intent names into tokens (as in Rasa's WhitespaceTokenizer).
            "intent_tokenization_flag": False,
            # Symbol on which intent names are split.
            "intent_split_symbol": "_",
            # Optional regex to split tokens further (Rasa's standard tokenizer option).
            "token_pattern": None,
            # Symbol on which a prefix should be split (Rasa's standard tokenizer option).
            "prefix_separator_symbol": None,
            # Cut Thai runs into grapheme clusters instead of keeping each space-delimited run whole.
            "split_thai": False,
            # How Han (Chinese) runs are cut: "char" (one token per character) or "jieba" (dictionary words).
            "han_segmentation": "char",
        }

    def __init__(self, config: dict[str, Any]) -> None:
        """Initialise with the merged config."""
        super().__init__(config)
        self._split_thai = bool(config.get("split_thai", False))
        mode = config.get("han_segmentation", "char")
        if mode not in ("char", "jieba"):
            raise ValueError(f"MultilingualTokenizer: han_segmentation must be 'char' or 'jieba', not {mode!r}")
        self._han_segmenter: HanSegmenter | None = JiebaSegmenter() if mode == "jieba" else None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MultilingualTokenizer:
        """Creates a new component (see parent class for full docstring)."""
        return cls({**cls.get_default_config(), **config})

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Tokens of `attribute`; text with no word at all (e.g. "?!") becomes one token, as in Rasa."""
        text = message.get(attribute)
        tokens = [
            Token(piece.text, piece.start, end=piece.end)
            for piece in segment(text, split_thai=self._split_thai, han_segmenter=self._han_segmenter)
        ]
        if not tokens:
            tokens = [Token(text, 0, end=len(text))]
        return self._apply_token_pattern(tokens)
