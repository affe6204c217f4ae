"""A Rasa tokenizer for Latin, Arabic and unspaced scripts (Chinese, Japanese, Thai) in one model.

How the unspaced scripts are cut comes from the language registry (the `tokenizer` field of languages.yml) unless
config.yml sets `han_segmentation` or `split_thai`.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.components.chinese_words import HAN_SEGMENTERS
from bot.components.segmentation import HanSegmenter, segment, whole_run
from language_registry import LanguageRegistry, registry

# The registry's tokenizer values in han_segmentation's words (a segmenter keeps its own name).
_HAN_MODES = {"characters": "char", "words": "whole"}


def han_segmentation_of(languages: LanguageRegistry) -> str:
    """The han_segmentation the languages writing Han ask for (they agree); per character when none writes Han."""
    writers = languages.writers("han")
    if not writers:
        return "char"
    return writers[0].segmenter or _HAN_MODES[writers[0].tokenizer]


def split_thai_of(languages: LanguageRegistry) -> bool:
    """Whether the languages written in Thai script ask for grapheme clusters (`characters`)."""
    return languages.tokenizer_of("thai") == "characters"


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
            # Cut Thai runs into grapheme clusters instead of keeping each space-delimited run whole (by default as
            # the registry's Thai-script languages say).
            "split_thai": split_thai_of(registry()),
            # How Han and hiragana runs are cut, by default as the registry's Han and kana languages say: "char" (one
            # token per character), "whole" (one token per run) or a Han dictionary segmenter ("jieba").
            "han_segmentation": han_segmentation_of(registry()),
        }

    def __init__(self, config: dict[str, Any]) -> None:
        """Initialise with the merged config."""
        super().__init__(config)
        self._split_thai = bool(config.get("split_thai", False))
        mode = config.get("han_segmentation", "char")
        modes = ("char", "whole", *HAN_SEGMENTERS)
        if mode not in modes:
            raise ValueError(f"MultilingualTokenizer: han_segmentation must be one of {modes}, not {mode!r}")
        self._han_segmenter: HanSegmenter | None = (
            None if mode == "char" else whole_run if mode == "whole" else HAN_SEGMENTERS[mode]()
        )
        # A Japanese word writes its kanji and hiragana endings together, so hiragana is cut as Han is; a dictionary
        # segmenter knows only Han and leaves hiragana one token per character.
        self._split_hiragana = mode != "whole"

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
            for piece in segment(
                text,
                split_thai=self._split_thai,
                han_segmenter=self._han_segmenter,
                split_hiragana=self._split_hiragana,
            )
        ]
        if not tokens:
            tokens = [Token(text, 0, end=len(text))]
        return self._apply_token_pattern(tokens)
