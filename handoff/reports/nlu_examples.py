"""The training examples already in ``nlu_data/<lang>/*.yml``, read the way the content tool exports them.

The content tool's import replaces every (language, intent) its CSV names, so a CSV that adds examples to an intent
must carry the intent's current examples too; this module reads them (read-only) in the export's order: files sorted
by path, blocks and lines in file order, annotations kept.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from handoff.errors import HandoffServiceError

# Rasa's inline annotations: ``[text](entity)`` or ``[text]{"entity": ...}``; their plain text is ``text``.
_ANNOTATION = re.compile(r"\[([^\[\]]+?)\](?:\([^()]*\)|\{[^{}]*\})")


class NluDataError(HandoffServiceError):
    """The NLU training data cannot be read."""


def normalise(text: str) -> str:
    """An example as the content validator compares them: annotations removed, case-folded, spacing collapsed."""
    return " ".join(_ANNOTATION.sub(r"\1", text).casefold().split())


def _block_lines(block: str) -> list[str]:
    """The ``- example`` lines of a literal ``examples: |`` block."""
    found = []
    for raw in block.split("\n"):
        stripped = raw.strip()
        if stripped.startswith("- "):
            found.append(stripped[2:].strip())
        elif stripped == "-":
            found.append("")
    return found


@dataclass
class NluExamples:
    """Examples per (language, intent) in file order, and which intent each normalised example belongs to."""

    examples: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    owner: dict[str, str] = field(default_factory=dict)

    @property
    def intents(self) -> frozenset[str]:
        """Every intent that has examples in some language."""
        return frozenset(intent for _language, intent in self.examples)


def _items(path: Path) -> list[Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise NluDataError(f"{path} cannot be read ({type(error).__name__})") from error
    items = data.get("nlu") if isinstance(data, dict) else None
    return items if isinstance(items, list) else []


def read_examples(nlu_dir: Path, languages: Sequence[str]) -> NluExamples:
    """Every example under ``nlu_dir/<language>/``; a missing directory is an error (nothing to extend)."""
    if not nlu_dir.is_dir():
        raise NluDataError(f"no NLU training data at {nlu_dir} (HANDOFF_CONTENT_NLU_DIR)")
    result = NluExamples()
    for language in languages:
        folder = nlu_dir / language
        for path in sorted(folder.rglob("*.yml")) if folder.is_dir() else []:
            for item in _items(path):
                if not isinstance(item, dict) or "intent" not in item:
                    continue
                intent = str(item["intent"])
                for text in _block_lines(str(item.get("examples") or "")):
                    result.examples[(language, intent)].append(text)
                    result.owner.setdefault(normalise(text), intent)
    return result
