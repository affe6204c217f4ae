"""Loading NLU files and the responses file with the line number of every item."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from bot.content.issues import Issue, error

_Condition = tuple[str, str, str]


@dataclass(frozen=True)
class Example:
    """One raw training example (annotations included) and where it is written."""

    language: str | None
    intent: str
    text: str
    path: Path
    line: int


@dataclass(frozen=True)
class Button:
    """A response button."""

    title: str
    payload: str


@dataclass(frozen=True)
class Variation:
    """One variation of a response, with its conditions."""

    response: str
    index: int
    text: str
    buttons: tuple[Button, ...]
    conditions: tuple[_Condition, ...]
    path: Path
    line: int

    def language(self, slot: str) -> str | None:
        """The value of the language-slot condition, if the variation has one."""
        for kind, name, value in self.conditions:
            if kind == "slot" and name == slot:
                return value
        return None


@dataclass
class NluCorpus:
    """All NLU examples, synonyms and regexes found under the NLU directory."""

    examples: list[Example] = field(default_factory=list)
    intent_lines: dict[tuple[str | None, str], tuple[Path, int]] = field(default_factory=dict)
    files_by_language: dict[str, list[Path]] = field(default_factory=dict)
    synonyms: dict[str, str] = field(default_factory=dict)
    regexes: dict[str, list[str]] = field(default_factory=dict)

    def intents(self) -> list[str]:
        """Every intent name, sorted."""
        return sorted({example.intent for example in self.examples})


@dataclass
class ResponseSet:
    """All response variations of one responses file, in file order."""

    path: Path
    variations: dict[str, list[Variation]] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    # ruamel's annotations declare these attributes as None-only; they are real settings.
    yaml.preserve_quotes = True  # type: ignore[assignment]
    yaml.width = 4096  # type: ignore[assignment]
    return yaml


def read_yaml(path: Path) -> Any:
    """Loads a YAML file round-trip (comments and positions kept)."""
    return _yaml().load(path.read_text(encoding="utf-8"))


def write_yaml(path: Path, data: Any) -> None:
    """Writes round-trip YAML data back to a file."""
    with path.open("w", encoding="utf-8") as handle:
        _yaml().dump(data, handle)


def block_lines(block: str, first_line: int) -> list[tuple[int, str]]:
    """(1-based line, example text) of a `- example` block whose first line is `first_line`."""
    found = []
    for offset, raw in enumerate(block.split("\n")):
        stripped = raw.strip()
        if stripped.startswith("- "):
            found.append((first_line + offset, stripped[2:].strip()))
        elif stripped == "-":
            found.append((first_line + offset, ""))
    return found


def language_of(path: Path, nlu_dir: Path, languages: Sequence[str]) -> str | None:
    """The language of an NLU file: the name of its first folder under the NLU directory."""
    try:
        parts = path.relative_to(nlu_dir).parts
    except ValueError:
        return None
    return parts[0] if len(parts) > 1 and parts[0] in languages else None


def _examples_start(item: Any) -> int:
    """1-based line of the first example line of an item's literal `examples: |` block."""
    line, _column = item.lc.value("examples")
    return int(line) + 2


def load_nlu(nlu_dir: Path, languages: Sequence[str]) -> tuple[NluCorpus, list[Issue]]:
    """Reads every `*.yml` under `nlu_dir`; the folder name gives a file's language."""
    corpus = NluCorpus()
    issues: list[Issue] = []
    for path in sorted(nlu_dir.rglob("*.yml")):
        language = language_of(path, nlu_dir, languages)
        if language is not None:
            corpus.files_by_language.setdefault(language, []).append(path)
        try:
            data = read_yaml(path)
        except YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            line = mark.line + 1 if mark is not None else 1
            issues.append(error(path, line, language, f"invalid YAML: {e}"))
            continue
        items: Any = (data or {}).get("nlu") or []
        for position, item in enumerate(items):
            item_line = int(items.lc.item(position)[0]) + 1
            examples = item.get("examples", "")
            if not isinstance(examples, str):
                issues.append(error(path, item_line, language, "examples must be a `|` block"))
                continue
            first = _examples_start(item) if "examples" in item else item_line
            lines = block_lines(examples, first)
            if "intent" in item:
                intent = str(item["intent"])
                key = (language, intent)
                if key in corpus.intent_lines:
                    issues.append(error(path, item_line, language, f"intent '{intent}' is listed twice"))
                corpus.intent_lines.setdefault(key, (path, item_line))
                metadata = item.get("metadata")
                declared = metadata.get("language") if isinstance(metadata, dict) else None
                if language is not None and declared != language:
                    issues.append(
                        error(
                            path,
                            item_line,
                            language,
                            f"intent '{intent}' must declare `metadata: {{language: {language}}}` (found {declared!r}):"
                            " the language lexicon learns which words belong to which language from it",
                        )
                    )
                for line, text in lines:
                    corpus.examples.append(Example(language, intent, text, path, line))
            elif "synonym" in item:
                for _line, text in lines:
                    corpus.synonyms[text.casefold()] = str(item["synonym"])
            elif "regex" in item:
                corpus.regexes.setdefault(str(item["regex"]), []).extend(t for _l, t in lines)
    return corpus, issues


def _conditions(raw: Any) -> tuple[_Condition, ...]:
    return tuple((str(c.get("type", "")), str(c.get("name", "")), str(c.get("value", ""))) for c in raw or [])


def load_responses(path: Path) -> tuple[ResponseSet, list[Issue]]:
    """Reads a domain file's `responses:` section, keeping each variation's line."""
    responses = ResponseSet(path)
    try:
        data = read_yaml(path)
    except (OSError, YAMLError) as e:
        return responses, [error(path, 1, None, f"cannot read responses: {e}")]
    section: Any = (data or {}).get("responses") or {}
    for name, variations in section.items():
        responses.lines[name] = int(section.lc.key(name)[0]) + 1
        found: list[Variation] = []
        for index, variation in enumerate(variations or []):
            buttons = tuple(
                Button(str(b.get("title", "")), str(b.get("payload", ""))) for b in variation.get("buttons") or []
            )
            found.append(
                Variation(
                    response=str(name),
                    index=index,
                    text=str(variation.get("text") or ""),
                    buttons=buttons,
                    conditions=_conditions(variation.get("condition")),
                    path=path,
                    line=int(variations.lc.item(index)[0]) + 1,
                )
            )
        responses.variations[str(name)] = found
    return responses, []
