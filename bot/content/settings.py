"""The one settings object of the content tooling, built from command-line arguments."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from language_registry import codes

SUPPORTED_LANGUAGES: tuple[str, ...] = codes()
ORDER_ID_PATTERN = r"[Nn][Bb]-?\d{6}"


@dataclass(frozen=True)
class ContentSettings:
    """Where the content lives and what "good enough" means for it.

    Paths are relative to `project_root` unless absolute.
    """

    project_root: Path = Path(".")
    config: Path = Path("config.yml")
    domain: Path = Path("bot/domain")
    responses: Path = Path("bot/domain/responses.yml")
    nlu_dir: Path = Path("nlu_data")
    dialogue_data: Path = Path("bot/data")
    languages: tuple[str, ...] = field(default_factory=codes)
    min_examples: int = 30
    min_examples_by_intent: dict[str, int] = field(default_factory=lambda: {"faq": 60})
    max_variations_by_response: dict[str, int] = field(default_factory=lambda: {"utter_greet": 2, "utter_goodbye": 2})
    language_slot: str = "language"
    known_entities: tuple[str, ...] = ("order_id", "language")
    order_id_pattern: str = ORDER_ID_PATTERN

    def path(self, relative: Path) -> Path:
        """Resolves a configured path against the project root."""
        return relative if relative.is_absolute() else self.project_root / relative

    def min_examples_for(self, intent: str) -> int:
        """The minimum number of examples an intent needs in each language."""
        return self.min_examples_by_intent.get(intent, self.min_examples)

    def max_variations_for(self, response: str) -> int:
        """How many variations per language a response may have."""
        return self.max_variations_by_response.get(response, 1)
