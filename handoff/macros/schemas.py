"""Request and response models of ``/api/v1/macros`` and ``/api/v1/handoffs/{id}/macros`` (docs/contracts.md)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from handoff.schemas import Language

SHORTCUT_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"


class MacroIn(BaseModel):
    """Create a canned reply (supervisor/admin); ``text`` may use the placeholders listed in docs/contracts.md."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    shortcut: str = Field(pattern=SHORTCUT_PATTERN, description="what the agent types after `/`, e.g. order-status")
    language: Language
    title: str = Field(min_length=1, max_length=128)
    text: str = Field(min_length=1, max_length=4000)


class MacroPatch(BaseModel):
    """Change some fields of a canned reply."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    shortcut: str | None = Field(default=None, pattern=SHORTCUT_PATTERN)
    language: Language | None = None
    title: str | None = Field(default=None, min_length=1, max_length=128)
    text: str | None = Field(default=None, min_length=1, max_length=4000)


class MacroOut(BaseModel):
    """A stored canned reply and the placeholders its text uses."""

    id: int
    shortcut: str
    language: str
    title: str
    text: str
    placeholders: list[str]
    created_at: datetime
    updated_at: datetime
    updated_by: str


class MacroFilled(BaseModel):
    """A canned reply filled for one conversation; ``missing`` fields are left as ``{name}`` in ``filled``."""

    id: int
    shortcut: str
    language: str
    title: str
    text: str
    filled: str
    missing: list[str]
