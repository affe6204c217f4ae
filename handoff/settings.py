"""The handoff service's one Settings object; nothing else in the package reads the environment.

Every setting, with its environment variable (``.env`` in the working directory is read too):

``HANDOFF_DATABASE_URL``        SQLAlchemy URL; default ``sqlite:///var/handoff.sqlite3``.
                                PostgreSQL: ``postgresql+psycopg://user@host:5432/db`` (``postgresql://`` is accepted).
``HANDOFF_VAR_DIR``             runtime data directory for generated secrets; default ``var``
                                (``HANDOFF_DATA_DIR`` is accepted too).
``HANDOFF_SERVICE_KEY``         bearer key of the bot (action server); if unset, generated once into
                                ``{var}/handoff_service_key`` with 0600 permissions.
``HANDOFF_ADMIN_TOKEN``         admin bearer token; if unset, generated once into ``{var}/handoff_admin_token``
                                (0600) and printed once at first start.
``HANDOFF_DEMO_DIR``            directory with ``queues.yml``, ``agents.yml``, ``holidays.yml`` loaded into an empty
                                database at start; default ``handoff/demo`` beside this file.
``HANDOFF_LOAD_DEMO``           load the demo configuration into an empty database (default true).
``HANDOFF_METRICS_PUBLIC``      serve ``/metrics`` without a token (default false: the service key or a
                                supervisor/admin token is required; Prometheus sends it as a bearer token).
``HANDOFF_REDIS_URL``           e.g. ``redis://127.0.0.1:6379/0``: live updates cross worker processes through Redis
                                pub/sub (default unset: in-process, one worker).
``HANDOFF_REDIS_CHANNEL``       pub/sub channel (default ``handoff:events``).
``HANDOFF_REDACT_PII``          redact emails, phone numbers and Luhn-valid card numbers before storage (default false).
``HANDOFF_MAX_TEXT_CHARS``      longer message texts are truncated with a marker (default 4000).
``HANDOFF_MAX_TRANSCRIPT_MESSAGES`` longer transcripts keep their most recent entries after a marker entry
                                (default 500).
``HANDOFF_MAX_BODY_BYTES``      request bodies above this are rejected with 413 (default 4194304).
``HANDOFF_DEFAULT_HANDLE_SECONDS`` handling time assumed when a queue has no closed history (default 300).
``HANDOFF_HANDLE_TIME_WINDOW``  how many recent closed handoffs feed the expected wait (default 50).
``HANDOFF_DELIVERY_INTERVAL_SECONDS`` outbox poll interval (default 1.0); 0 disables the delivery worker.
``HANDOFF_DELIVERY_MAX_ATTEMPTS`` attempts before an outbox entry is marked failed (default 8).
``HANDOFF_DELIVERY_TIMEOUT_SECONDS`` HTTP timeout towards Rasa (default 10).
``RASA_URL``                    Rasa server base URL for agent replies (default ``http://localhost:5005``).
``RASA_API_TOKEN``              Rasa HTTP API token (``?token=``); optional.
``HANDOFF_PUBLIC_RASA_URL``     Rasa URL as customers' browsers reach it, for the web chat's socket.io connection
                                (default: ``RASA_URL``).
``KB_INDEX_DIR``                knowledge-base index used for the console's reply suggestions (default ``models/kb``).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_PACKAGE_DIR = Path(__file__).resolve().parent


class Settings(BaseSettings):
    """Validated configuration of one handoff-service process."""

    model_config = SettingsConfigDict(env_prefix="HANDOFF_", env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = "sqlite:///var/handoff.sqlite3"
    var_dir: Path = Field(
        default=Path("var"), validation_alias=AliasChoices("HANDOFF_VAR_DIR", "HANDOFF_DATA_DIR", "var_dir")
    )
    service_key: str | None = None
    admin_token: str | None = None
    demo_dir: Path = _PACKAGE_DIR / "demo"
    load_demo: bool = True
    redact_pii: bool = False
    metrics_public: bool = False
    redis_url: str | None = None
    redis_channel: str = "handoff:events"
    max_text_chars: int = Field(default=4000, ge=16)
    max_transcript_messages: int = Field(default=500, ge=1)
    max_body_bytes: int = Field(default=4_194_304, ge=1024)
    default_handle_seconds: int = Field(default=300, ge=1)
    handle_time_window: int = Field(default=50, ge=1)
    delivery_interval_seconds: float = Field(default=1.0, ge=0)
    delivery_max_attempts: int = Field(default=8, ge=1)
    delivery_timeout_seconds: float = Field(default=10.0, gt=0)
    # An assigned conversation whose customer has not answered the agent for this long is closed and handed back
    # to the bot; 0 turns it off.
    customer_inactivity_seconds: int = Field(default=2 * 3600, ge=0)
    # A customer waiting this long for the assigned agent's answer goes back to the queue for another agent.
    agent_inactivity_seconds: int = Field(default=15 * 60, ge=0)
    # How often the inactivity sweep runs (0: never, e.g. in tests that drive it).
    inactivity_check_seconds: float = Field(default=30.0, ge=0)
    rasa_url: str = Field(
        default="http://localhost:5005", validation_alias=AliasChoices("RASA_URL", "HANDOFF_RASA_URL", "rasa_url")
    )
    rasa_api_token: str | None = Field(
        default=None, validation_alias=AliasChoices("RASA_API_TOKEN", "HANDOFF_RASA_API_TOKEN", "rasa_api_token")
    )

    public_rasa_url: str | None = None
    kb_index_dir: Path = Field(
        default=Path("models/kb"), validation_alias=AliasChoices("KB_INDEX_DIR", "HANDOFF_KB_INDEX_DIR", "kb_index_dir")
    )

    @property
    def web_chat_rasa_url(self) -> str:
        """The Rasa URL the web chat page connects to."""
        return (self.public_rasa_url or self.rasa_url).rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
        if value.startswith("postgres://"):
            value = "postgresql://" + value.removeprefix("postgres://")
        if value.startswith("postgresql://"):
            return "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("rasa_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        """Store the Rasa URL without a trailing slash."""
        return value.rstrip("/")
