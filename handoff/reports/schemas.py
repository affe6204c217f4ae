"""Response models of ``/api/v1/reports`` (docs/contracts.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class ReportInfo(BaseModel):
    """One report the API offers."""

    name: str
    title: str
    source: str = Field(description="handoffs (the handoff store) or tracker (Rasa's tracker store)")
    columns: list[str]
    dimensions: list[str] = Field(description="what it can be grouped and filtered by")


class ReportOut(BaseModel):
    """A report: its request as understood, and its table (``rows`` use ``columns`` as keys)."""

    report: str
    title: str
    source: str
    available: bool = Field(description="false when the source cannot be read: the figures are unknown, not zero")
    unavailable_reason: str | None = None
    period: str
    from_: date = Field(serialization_alias="from")
    to: date
    tz: str
    group_by: str | None
    filters: dict[str, list[str]]
    generated_at: datetime
    columns: list[str]
    rows: list[dict[str, Any]]
