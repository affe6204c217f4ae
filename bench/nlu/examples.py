"""The plain data every dataset reader produces and every metric consumes."""

from __future__ import annotations

from dataclasses import dataclass, field

# Label of out-of-scope examples after reading, whatever the dataset calls them ("oos", "NO_NODES_DETECTED").
OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class Example:
    """One labelled utterance."""

    text: str
    intent: str
    language: str


@dataclass(frozen=True)
class Benchmark:
    """Train, test and (where the dataset has one) validation examples of one dataset configuration."""

    name: str
    train: list[Example]
    test: list[Example]
    validation: list[Example] = field(default_factory=list)
    # Whether the test set has out-of-scope examples (labelled OUT_OF_SCOPE).
    has_out_of_scope: bool = False
    # How the splits were made, for the report.
    protocol: str = ""


def rasa_intent_name(label: str) -> str:
    """A dataset label as a Rasa intent name: '/' separates retrieval intents in Rasa, so it is replaced."""
    return label.strip().replace("/", "__").replace(" ", "_")
