"""Settings of the action server process, read once from the environment (see .env.example)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kb import KbSettings


class ActionSettings(BaseSettings):
    """Everything the action server needs to reach the handoff service and the knowledge base."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    handoff_url: str = Field("http://127.0.0.1:8080", description="Base URL of the handoff service.")
    handoff_service_key: str = Field("", description="The bot's key for the handoff service (Bearer token).")
    handoff_timeout_seconds: float = Field(5.0, gt=0, description="Timeout of one call to the handoff service.")
    handoff_retry_attempts: int = Field(3, ge=1, description="Attempts per handoff before it goes to the outbox.")
    handoff_retry_base_seconds: float = Field(0.2, ge=0, description="First back-off delay; doubles each attempt.")
    complaint_handoff: Literal["first", "second", "never"] = Field(
        "second", description="When a complaint hands the customer to a person."
    )
    kb: KbSettings = Field(default_factory=KbSettings, description="Index, encoder and articles (KB_* variables).")
    actions_outbox_path: Path = Field(
        Path("var/actions_outbox.sqlite3"),
        description="SQLite file holding handoffs not yet accepted by the handoff service.",
    )


@lru_cache(maxsize=1)
def get_settings() -> ActionSettings:
    """The process-wide settings, validated on first use."""
    return ActionSettings()
