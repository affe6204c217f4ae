"""Export intents' examples and responses to one CSV for translators, and import it back.

Columns: `kind` (example | response | button), `language`, `key` (intent or response name),
`index` (position of the example in its intent, of the variation in its response, or
`variation.button`), `text` (example with its annotations, response text, or button title)
and `payload` (buttons only). Import replaces the examples of every (language, intent) present
in the CSV and the texts/buttons of every response variation present; files whose content does
not change are not rewritten, so an export followed by an import is lossless.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from bot.content.corpus import block_lines, language_of, load_nlu, read_yaml, write_yaml
from bot.content.errors import CsvFormatError
from bot.content.settings import ContentSettings

COLUMNS = ("kind", "language", "key", "index", "text", "payload")
KINDS = ("example", "response", "button")


@dataclass(frozen=True)
class Row:
    """One CSV row."""

    kind: str
    language: str
    key: str
    index: str
    text: str
    payload: str = ""

    def as_list(self) -> list[str]:
        """Values in column order."""
        return [self.kind, self.language, self.key, self.index, self.text, self.payload]


def collect_rows(settings: ContentSettings) -> list[Row]:
    """Every example of the language folders and every response variation, as rows."""
    corpus, _issues = load_nlu(settings.path(settings.nlu_dir), settings.languages)
    rows: list[Row] = []
    positions: dict[tuple[str, str], int] = defaultdict(int)
    for example in corpus.examples:
        if example.language is None:
            continue
        key = (example.language, example.intent)
        rows.append(Row("example", example.language, example.intent, str(positions[key]), example.text))
        positions[key] += 1
    data = read_yaml(settings.path(settings.responses)) or {}
    for name, variations in (data.get("responses") or {}).items():
        for v_index, variation in enumerate(variations or []):
            language = _variation_language(variation, settings.language_slot) or ""
            text = str(variation.get("text") or "")
            rows.append(Row("response", language, str(name), str(v_index), text))
            for b_index, button in enumerate(variation.get("buttons") or []):
                index = f"{v_index}.{b_index}"
                title, payload = str(button.get("title", "")), str(button.get("payload", ""))
                rows.append(Row("button", language, str(name), index, title, payload))
    return rows


def _variation_language(variation: Any, slot: str) -> str | None:
    for condition in variation.get("condition") or []:
        if condition.get("type") == "slot" and condition.get("name") == slot:
            return str(condition.get("value"))
    return None


def export_csv(settings: ContentSettings, out: Path) -> int:
    """Writes the CSV and returns the number of data rows."""
    rows = collect_rows(settings)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(row.as_list() for row in rows)
    return len(rows)


def read_rows(path: Path, settings: ContentSettings) -> list[Row]:
    """Reads and checks a translator CSV."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or tuple(header) != COLUMNS:
            raise CsvFormatError(path, 1, f"header must be {','.join(COLUMNS)}, got {header}")
        rows = []
        for number, values in enumerate(reader, start=2):
            if len(values) != len(COLUMNS):
                raise CsvFormatError(path, number, f"expected {len(COLUMNS)} columns")
            row = Row(*values)
            if row.kind not in KINDS:
                raise CsvFormatError(path, number, f"unknown kind '{row.kind}'")
            if row.kind == "example" and row.language not in settings.languages:
                raise CsvFormatError(path, number, f"unknown language '{row.language}'")
            _check_index(path, number, row)
            rows.append(row)
    return rows


def _check_index(path: Path, number: int, row: Row) -> None:
    parts = row.index.split(".")
    expected = 2 if row.kind == "button" else 1
    if len(parts) != expected or not all(p.isdigit() for p in parts):
        raise CsvFormatError(path, number, f"bad index '{row.index}' for a {row.kind} row")


def import_csv(settings: ContentSettings, path: Path) -> list[Path]:
    """Applies a translator CSV to the YAML files; returns the files it rewrote."""
    rows = read_rows(path, settings)
    changed = _import_examples(settings, [r for r in rows if r.kind == "example"])
    responses = [r for r in rows if r.kind != "example"]
    if responses and _import_responses(settings, responses):
        changed.append(settings.path(settings.responses))
    return sorted(changed)


def _examples_block(texts: list[str]) -> LiteralScalarString:
    return LiteralScalarString("".join(f"- {text}\n" for text in texts))


def _import_examples(settings: ContentSettings, rows: list[Row]) -> list[Path]:
    wanted: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for row in rows:
        wanted[(row.language, row.key)].append((int(row.index), row.text))
    nlu_dir = settings.path(settings.nlu_dir)
    changed: list[Path] = []
    for language in sorted({language for language, _intent in wanted}):
        pending = {
            intent: [text for _i, text in sorted(items)] for (lang, intent), items in wanted.items() if lang == language
        }
        files = sorted(p for p in nlu_dir.rglob("*.yml") if language_of(p, nlu_dir, settings.languages) == language)
        for file in files:
            data = read_yaml(file)
            if _replace_intents(data, pending):
                write_yaml(file, data)
                changed.append(file)
        if pending:
            target = files[0] if files else nlu_dir / language / "nlu.yml"
            data = read_yaml(target) if target.exists() else CommentedMap(version="3.1")
            items = data.setdefault("nlu", CommentedSeq())
            for intent, texts in pending.items():
                items.append(CommentedMap(intent=intent, examples=_examples_block(texts)))
            target.parent.mkdir(parents=True, exist_ok=True)
            write_yaml(target, data)
            changed.append(target)
    return sorted(set(changed))


def _replace_intents(data: Any, pending: dict[str, list[str]]) -> bool:
    """Replaces (and removes from `pending`) the examples of intents found in `data`."""
    modified = False
    for item in (data or {}).get("nlu") or []:
        intent = item.get("intent")
        if intent is None or intent not in pending:
            continue
        texts = pending.pop(intent)
        current = [text for _line, text in block_lines(str(item.get("examples", "")), 1)]
        if current != texts:
            item["examples"] = _examples_block(texts)
            modified = True
    return modified


def _styled(old: Any, new: str) -> Any:
    """Keeps the quoting style of the value it replaces."""
    return DoubleQuotedScalarString(new) if isinstance(old, DoubleQuotedScalarString) else new


def _condition(slot: str, language: str) -> CommentedSeq:
    condition = CommentedSeq([CommentedMap(type="slot", name=slot, value=language)])
    condition.fa.set_flow_style()
    condition[0].fa.set_flow_style()
    return condition


def _import_responses(settings: ContentSettings, rows: list[Row]) -> bool:
    file = settings.path(settings.responses)
    data = read_yaml(file) if file.exists() else CommentedMap(version="3.1")
    section = data.setdefault("responses", CommentedMap())
    modified = False
    for row in sorted(rows, key=lambda r: (r.kind != "response", [int(p) for p in r.index.split(".")])):
        variations = section.setdefault(row.key, CommentedSeq())
        v_index = int(row.index.split(".")[0])
        while len(variations) <= v_index:
            variation = CommentedMap()
            if row.language:
                variation["condition"] = _condition(settings.language_slot, row.language)
            variation["text"] = DoubleQuotedScalarString("")
            variations.append(variation)
            modified = True
        variation = variations[v_index]
        if row.kind == "response":
            if str(variation.get("text") or "") != row.text:
                variation["text"] = _styled(variation.get("text"), row.text)
                modified = True
            continue
        modified = _apply_button(variation, int(row.index.split(".")[1]), row) or modified
    if modified:
        write_yaml(file, data)
    return modified


def _apply_button(variation: Any, b_index: int, row: Row) -> bool:
    buttons = variation.setdefault("buttons", CommentedSeq())
    modified = False
    while len(buttons) <= b_index:
        button = CommentedMap(title="", payload="")
        button.fa.set_flow_style()
        buttons.append(button)
        modified = True
    button = buttons[b_index]
    for field, value in (("title", row.text), ("payload", row.payload)):
        if str(button.get(field, "")) != value:
            button[field] = _styled(button.get(field), value)
            modified = True
    return modified
