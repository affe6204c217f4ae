"""Entity quality per language on the held-out split: what the pipeline found against what the examples annotate.

A found entity is right when the held-out message annotates the same entity with the same value (the normalised
value where the annotation gives one: `[español]{"entity": "language", "value": "es"}` expects `es`). Positions do
not count: the bot uses the value. Only entity types that the training data annotates are scored, so entities
that components add on their own (`detected_language`) are not counted as mistakes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

Entity = tuple[str, str]  # (entity type, value)


@dataclass(frozen=True)
class EntityScore:
    """Counts for one entity type in one language."""

    language: str
    entity: str
    annotated: int
    found: int
    right: int

    @property
    def precision(self) -> float:
        return self.right / self.found if self.found else 0.0

    @property
    def recall(self) -> float:
        return self.right / self.annotated if self.annotated else 0.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def entity_scores(
    languages: Sequence[str],
    gold: Sequence[Sequence[Entity]],
    found: Sequence[Sequence[Entity]],
    scored_types: Collection[str],
) -> list[EntityScore]:
    """One score per (language, entity type) that is annotated or found, in language then type order."""
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for language, expected, predicted in zip(languages, gold, found, strict=True):
        expected_bag = Counter(item for item in expected if item[0] in scored_types)
        predicted_bag = Counter(item for item in predicted if item[0] in scored_types)
        for (entity, _), number in expected_bag.items():
            counts[(language, entity)]["annotated"] += number
        for (entity, _), number in predicted_bag.items():
            counts[(language, entity)]["found"] += number
        for (entity, _), number in (expected_bag & predicted_bag).items():
            counts[(language, entity)]["right"] += number
    order = {language: index for index, language in enumerate(dict.fromkeys(languages))}
    return [
        EntityScore(language, entity, tally["annotated"], tally["found"], tally["right"])
        for (language, entity), tally in sorted(counts.items(), key=lambda item: (order[item[0][0]], item[0][1]))
    ]


def entities_table(scores: Sequence[EntityScore]) -> list[str]:
    """Markdown rows: annotated, found, right, precision, recall and F1 per language and entity."""
    lines = [
        "| language | entity | annotated | found | right | precision | recall | F1 |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    if not scores:
        lines.append("| – | (no entity annotated in the held-out messages) | 0 | 0 | 0 | – | – | – |")
    for score in scores:
        lines.append(
            f"| {score.language} | {score.entity} | {score.annotated} | {score.found} | {score.right} "
            f"| {score.precision:.3f} | {score.recall:.3f} | {score.f1:.3f} |"
        )
    return lines


def entity_mistakes(
    languages: Sequence[str],
    texts: Sequence[str],
    gold: Sequence[Sequence[Entity]],
    found: Sequence[Sequence[Entity]],
    scored_types: Collection[str],
) -> list[str]:
    """Markdown rows of every held-out message whose scored entities differ from its annotations."""
    lines = ["| language | message | annotated | found |", "|---|---|---|---|"]
    for language, text, expected, predicted in zip(languages, texts, gold, found, strict=True):
        expected_bag = sorted(item for item in expected if item[0] in scored_types)
        predicted_bag = sorted(item for item in predicted if item[0] in scored_types)
        if expected_bag != predicted_bag:
            cell = text.replace("|", "\\|")
            lines.append(f"| {language} | {cell} | {_listed(expected_bag)} | {_listed(predicted_bag)} |")
    return lines


def _listed(entities: Sequence[Entity]) -> str:
    return ", ".join(f"{entity}={value}" for entity, value in entities) or "–"
