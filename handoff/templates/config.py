"""The approved templates of ``templates.yml`` (per conversation language) and how one is filled and sent.

A template's body uses WhatsApp's numbered parameters ``{{1}}``, ``{{2}}``...; ``parameters`` names, in order, the
conversation field that fills each (the canned-reply fields: customer_name, order_id, agent_name, queue).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from handoff.errors import InvalidInputError
from handoff.macros.template import PLACEHOLDERS

_PARAMETER = re.compile(r"\{\{(\d+)\}\}")


class TemplateSpec(BaseModel):
    """One approved template in one language."""

    name: str = Field(min_length=1, max_length=512, pattern=r"^[a-z0-9_]+$")
    language: str = Field(min_length=2, max_length=8, description="the conversation language it serves")
    code: str = Field(min_length=2, max_length=16, description="WhatsApp's language code of the approved template")
    title: str = Field(min_length=1, max_length=128)
    body: str = Field(min_length=1, max_length=1024)
    parameters: list[str] = Field(default_factory=list)
    reengagement: bool = Field(default=False, description="sent when a close cannot reach the customer otherwise")

    @model_validator(mode="after")
    def _parameters_match_body(self) -> TemplateSpec:
        """``{{1}}``..``{{n}}`` in the body, each with a known field."""
        numbers = sorted({int(n) for n in _PARAMETER.findall(self.body)})
        if numbers != list(range(1, len(self.parameters) + 1)):
            raise ValueError(f"the body's parameters {numbers} do not match the {len(self.parameters)} fields given")
        unknown = [name for name in self.parameters if name not in PLACEHOLDERS]
        if unknown:
            raise ValueError(f"unknown fields {unknown}; known: {sorted(PLACEHOLDERS)}")
        return self


class _File(BaseModel):
    templates: list[TemplateSpec] = Field(default_factory=list)


def read_templates(path: Path) -> list[TemplateSpec]:
    """The templates of a ``templates.yml``; a missing file holds none, an invalid one is a 422-style error."""
    if not path.exists():
        return []
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        return _File.model_validate(raw).templates
    except ValidationError as e:
        first = e.errors()[0]
        raise InvalidInputError(".".join(str(p) for p in first["loc"]), f"{first['msg']} in {path}") from e


@dataclass(frozen=True, slots=True)
class FilledTemplate:
    """A template with the conversation's values: the text the customer will read and the values in order."""

    spec: TemplateSpec
    text: str
    values: tuple[str, ...]
    missing: tuple[str, ...]


def fill(spec: TemplateSpec, values: Mapping[str, str | None]) -> FilledTemplate:
    """Fill ``{{n}}`` with the n-th field's value; a field without a value is missing (the template cannot go)."""
    filled = [(values.get(name) or "").strip() for name in spec.parameters]
    missing = tuple(name for name, value in zip(spec.parameters, filled, strict=True) if not value)
    text = _PARAMETER.sub(
        lambda m: filled[int(m.group(1)) - 1] or "{" + spec.parameters[int(m.group(1)) - 1] + "}", spec.body
    )
    return FilledTemplate(spec=spec, text=text, values=tuple(filled), missing=missing)


def whatsapp_template(filled: FilledTemplate) -> dict[str, Any]:
    """The Cloud API ``template`` object of a message of ``type: template``."""
    template: dict[str, Any] = {
        "name": filled.spec.name,
        "language": {"policy": "deterministic", "code": filled.spec.code},
    }
    if filled.values:
        parameters = [{"type": "text", "text": value} for value in filled.values]
        template["components"] = [{"type": "body", "parameters": parameters}]
    return template
