"""Parsing Rasa's inline entity annotations: `[text](entity)` and `[text]{"entity": ..., "value": ...}`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

# The same shapes Rasa's `EntitiesParser` accepts, but strict: whatever is left of `[`/`]`
# after removing well-formed annotations is reported as a broken annotation.
_ANNOTATION = re.compile(
    r"\[(?P<text>[^\[\]]+?)\]"
    r"(?:\((?P<entity>[^():\[\]{}]+?)(?::(?P<value>[^()\[\]{}]+))?\)"
    r"|\{(?P<json>[^{}]+?)\})"
)
_BRACKETS = re.compile(r"[\[\]]")


@dataclass(frozen=True)
class Annotation:
    """One entity annotated in an example."""

    text: str
    entity: str
    value: str | None
    start: int
    end: int


@dataclass(frozen=True)
class ParsedExample:
    """An example split into plain text, annotations and syntax errors."""

    plain: str
    annotations: tuple[Annotation, ...]
    errors: tuple[str, ...]


def _json_annotation(body: str) -> tuple[str | None, str | None, str | None]:
    """Returns (entity, value, error) of a `{...}` annotation body."""
    try:
        parsed = json.loads("{" + body + "}")
    except json.JSONDecodeError as e:
        return None, None, f"annotation body {{{body}}} is not valid JSON ({e.msg})"
    if not isinstance(parsed, dict) or not isinstance(parsed.get("entity"), str):
        return None, None, f'annotation {{{body}}} has no "entity" name'
    value = parsed.get("value")
    if value is not None and not isinstance(value, str):
        return None, None, f'annotation {{{body}}} has a non-string "value"'
    return parsed["entity"], value, None


def parse_example(raw: str) -> ParsedExample:
    """Parses one training example written in Rasa's Markdown-like annotation syntax."""
    plain_parts: list[str] = []
    annotations: list[Annotation] = []
    errors: list[str] = []
    cursor = 0
    offset = 0
    for match in _ANNOTATION.finditer(raw):
        between = raw[cursor : match.start()]
        plain_parts.append(between)
        offset += len(between)
        text = match.group("text")
        if match.group("json") is not None:
            entity, value, problem = _json_annotation(match.group("json"))
            if problem is not None:
                errors.append(problem)
        else:
            entity, value = match.group("entity").strip(), match.group("value")
        if entity is not None:
            annotations.append(Annotation(text, entity, value, offset, offset + len(text)))
        plain_parts.append(text)
        offset += len(text)
        cursor = match.end()
    plain_parts.append(raw[cursor:])
    plain = "".join(plain_parts)
    leftover = _BRACKETS.findall(_ANNOTATION.sub("", raw))
    if leftover:
        errors.append(
            f"unbalanced or malformed annotation (stray {' '.join(sorted(set(leftover)))}); "
            'write [text](entity) or [text]{"entity": "name", "value": "v"}'
        )
    return ParsedExample(plain, tuple(annotations), tuple(errors))


def normalise(text: str) -> str:
    """The form used to find duplicates: case-folded, whitespace collapsed."""
    return " ".join(text.casefold().split())
