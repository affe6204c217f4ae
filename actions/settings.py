"""Settings of the action server process, read once from the environment (see .env.example)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kb import KbSettings


class ActionSettings(BaseSettings):
    """Everything the action server needs to reach the handoff service and the knowledge base."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    handoff_url: str = Field("http://127.0.0.1:8080", description="Base URL of the handoff service.")
    handoff_service_key: SecretStr = Field(
        SecretStr(""), description="The bot's key for the handoff service (Bearer token)."
    )
    handoff_timeout_seconds: float = Field(5.0, gt=0, description="Timeout of one call to the handoff service.")
    handoff_retry_attempts: int = Field(3, ge=1, description="Attempts per handoff before it goes to the outbox.")
    handoff_retry_base_seconds: float = Field(0.2, ge=0, description="First back-off delay; doubles each attempt.")
    complaint_handoff: Literal["first", "second", "never"] = Field(
        "second", description="When a complaint hands the customer to a person."
    )
    escalation_offer_at: int = Field(
        2, ge=1, description="At which unresolved turn in a row (unclear, out of scope, no answer) a person is offered."
    )
    escalation_handoff_at: int = Field(
        3, ge=1, description="At which unresolved turn in a row the customer is handed to a person (repeated_failure)."
    )
    kb: KbSettings = Field(default_factory=KbSettings, description="Index, encoder and articles (KB_* variables).")
    actions_outbox_path: Path = Field(
        Path("var/actions_outbox.sqlite3"),
        description="SQLite file holding handoffs not yet accepted by the handoff service.",
    )
    nimbus_mode: Literal["demo", "production"] = Field(
        "production", description="`demo` (what `make run` starts) or `production`; unset means production."
    )
    action_server_token: SecretStr = Field(
        SecretStr(""), description="Shared secret Rasa sends as `Authorization: Bearer ...` on every action call."
    )
    actions_bind_host: str = Field("127.0.0.1", description="Interface the action server listens on.")
    actions_retention_days: int = Field(
        90, ge=0, description="Dead letters and relay records older than this are purged at start and daily (0: kept)."
    )
    actions_log_pseudonym_key: SecretStr = Field(
        SecretStr(""),
        description="HMAC key of the conversation pseudonyms in the action server's log (random per start if unset).",
    )

    @field_validator("nimbus_mode", mode="before")
    @classmethod
    def _mode_or_production(cls, value: object) -> object:
        """An empty NIMBUS_MODE means production, like an unset one; the case does not matter."""
        return (value.strip().lower() or "production") if isinstance(value, str) else value

    @model_validator(mode="after")
    def _offer_before_handoff(self) -> ActionSettings:
        """A person must be offered at or before the turn that hands off, or the offer could never be made."""
        if self.escalation_offer_at > self.escalation_handoff_at:
            raise ValueError("ESCALATION_OFFER_AT must not exceed ESCALATION_HANDOFF_AT")
        return self

    @property
    def is_demo(self) -> bool:
        """Whether this is an explicit demo start (the only mode that may run without the shared secret)."""
        return self.nimbus_mode == "demo"


@lru_cache(maxsize=1)
def get_settings() -> ActionSettings:
    """The process-wide settings, validated on first use."""
    return ActionSettings()
