"""Loads the demo canned replies (``macros.yml`` of the demo directory) into an empty table."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handoff.errors import InvalidInputError
from handoff.macros.schemas import MacroIn
from handoff.macros.template import TemplateError, placeholders
from handoff.store.models import CannedReply

SEED_ACTOR = "demo-config"


class _MacroFile(BaseModel):
    macros: list[MacroIn] = Field(default_factory=list)


def read_macros(path: Path) -> list[MacroIn]:
    """Parse and validate a ``macros.yml``; a missing file holds none."""
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        macros = _MacroFile.model_validate(data).macros
    except ValidationError as e:
        first = e.errors()[0]
        raise InvalidInputError(".".join(str(p) for p in first["loc"]), f"{first['msg']} in {path}") from e
    for index, macro in enumerate(macros):
        try:
            placeholders(macro.text)
        except TemplateError as e:
            raise InvalidInputError(f"macros.{index}.text", f"{e} in {path}") from e
    return macros


def seed_if_empty(session: Session, directory: Path, now: datetime) -> int:
    """Insert ``directory/macros.yml`` when there is no canned reply yet; how many were inserted."""
    if session.scalar(select(func.count()).select_from(CannedReply)):
        return 0
    macros = read_macros(directory / "macros.yml")
    for macro in macros:
        session.add(CannedReply(**macro.model_dump(), created_at=now, updated_at=now, updated_by=SEED_ACTOR))
    session.commit()
    return len(macros)
