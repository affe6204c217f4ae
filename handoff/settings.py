"""The handoff service's one Settings object; nothing else in the package reads the environment.

Every setting, with its environment variable (``.env`` in the working directory is read too):

``HANDOFF_DATABASE_URL``        SQLAlchemy URL; default ``sqlite:///var/handoff.sqlite3``.
                                PostgreSQL: ``postgresql+psycopg://user@host:5432/db`` (``postgresql://`` is accepted).
``HANDOFF_VAR_DIR``             runtime data directory for generated secrets; default ``var``
                                (``HANDOFF_DATA_DIR`` is accepted too).
``HANDOFF_SERVICE_KEY``         bearer key of the bot (action server); if unset, generated once into
                                ``{var}/handoff_service_key`` with 0600 permissions.
``HANDOFF_ADMIN_TOKEN``         admin bearer token; if unset, generated once into ``{var}/handoff_admin_token``
                                (0600); only the file's path is logged, never the token.
``HANDOFF_DEMO_DIR``            directory with ``queues.yml``, ``agents.yml``, ``holidays.yml`` loaded into an empty
                                database at start, and ``macros.yml`` (canned replies) into an empty canned-reply table;
                                default ``handoff/demo`` beside this file.
``HANDOFF_LOAD_DEMO``           load the demo configuration into an empty database (default true; only in demo mode).
``NIMBUS_MODE``                 ``demo`` or ``production`` (default, also when unset). Demo mode loads the demo roster
                                with its documented tokens and serves the API docs; in production the service refuses
                                to start while an agent still has a documented demo token.
``HANDOFF_PUBLIC_DOCS``         serve ``/docs``, ``/redoc`` and ``/openapi.json`` (default: on in demo mode only).
``HANDOFF_ALLOWED_ORIGINS``     comma-separated origins (``https://console.example.com``) allowed to open the live
                                WebSocket besides the service's own origin (default none).
``HANDOFF_WS_TICKET_SECONDS``   lifetime of a single-use WebSocket ticket (default 30).
``HANDOFF_RATE_LIMIT_PER_TOKEN`` API requests per minute per bearer token (default 1200; 0 = off); 429 above it.
``HANDOFF_RATE_LIMIT_SERVICE``  the same for the bot's service key (default 0 = exempt: its traffic is the sum of
                                every customer's, which Rasa already limits per sender and per IP).
``RASA_JWT_SECRET``             HS256 key shared with Rasa; replies are delivered with a short-lived admin JWT in
                                ``Authorization: Bearer`` (never a token in the URL).
``HANDOFF_OPENTELEMETRY``       FastAPI's OpenTelemetry spans, metrics and logs of HTTP requests, through the global
                                providers (default false: off, and no request pays for looking the providers up).
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
``HANDOFF_DELIVERY_MAX_ATTEMPTS`` attempts after which a reply shows as failed (default 8); it is still retried
                                with back-off while its handoff is open; other entries give up there.
``HANDOFF_DELIVERY_TIMEOUT_SECONDS`` HTTP timeout towards Rasa (default 10).
``RASA_URL``                    Rasa server base URL for agent replies (default ``http://localhost:5005``).
``RASA_API_TOKEN``              Rasa HTTP API token; read for compatibility, never sent in a URL.
``HANDOFF_PUBLIC_RASA_URL``     Rasa URL as customers' browsers reach it, for the web chat's socket.io connection
                                (default: ``RASA_URL``).
``KB_INDEX_DIR``                knowledge-base index used for the console's reply suggestions (default ``models/kb``).
``HANDOFF_REPORTS_TRACKER_DB_URL`` Rasa's SQL tracker store (SQLAlchemy URL), read-only, for the bot-side reports
                                (``REPORTS_TRACKER_DB_URL`` too; ``make run`` sets it). Unset: reported unavailable.
``HANDOFF_REDACT_PII``          (see above) when unset: on in production mode, off in demo mode.
``HANDOFF_PSEUDONYM_KEY``       HMAC key of customer pseudonyms in the audit log; if unset, generated once into
                                ``{var}/handoff_pseudonym_key`` (0600).
``HANDOFF_RETENTION_DAYS``      closed handoffs and Rasa trackers older than this are purged (default 90; 0 keeps all).
``HANDOFF_RETENTION_CHECK_SECONDS`` how often the retention and erasure-retry job runs (default 3600; 0: never).
``HANDOFF_CUSTOMERS_FILE``      YAML or CSV customer directory (VIP, tier) keyed by conversation id; in demo mode
                                ``{demo_dir}/customers.yml`` when unset.
``HANDOFF_CUSTOMER_DATA_URL``   customer-data provider (CRM) over HTTP: ``POST {"channel", "id"}`` per handoff,
                                answered ``{"vip", "tier", "priority"}`` or 404; unset: the directory file (YAML/CSV).
``HANDOFF_CUSTOMER_DATA_TOKEN`` its bearer token; ``HANDOFF_CUSTOMER_DATA_TIMEOUT_SECONDS`` its timeout (default 2),
                                after which routing proceeds without CRM data.
``HANDOFF_PRIVACY_REDIS_URLS``  comma-separated Redis URLs whose keys about a conversation are erased (the
                                ``HANDOFF_REDIS_URL`` is always included), e.g. Rasa's lock store and channel dedup.
``ACTION_SERVER_URL``           action server base URL (its ``/privacy/export|erase`` endpoints).
``ACTION_SERVER_TOKEN``         bearer token of the action server.
``TRANSLATION_PROVIDER``        ``libretranslate``, ``deepl``, ``google`` or ``none`` (default: ``libretranslate`` when
                                ``TRANSLATION_URL`` is set, else ``none``): machine translation between agents and
                                customers who do not share a language.
``TRANSLATION_URL``             LibreTranslate server base URL; ``TRANSLATION_API_KEY`` its optional key (sent in the
                                request body).
``DEEPL_API_KEY``               DeepL key (header ``Authorization: DeepL-Auth-Key``); ``DEEPL_API_URL`` overrides the
                                host (default: the Free API for keys ending in ``:fx``, else the Pro API).
``GOOGLE_TRANSLATE_PROJECT``    Google Cloud project of Cloud Translation v3; with ``GOOGLE_TRANSLATE_ACCESS_TOKEN``
                                (``Authorization: Bearer``) or ``GOOGLE_TRANSLATE_API_KEY`` (``X-Goog-Api-Key``);
                                ``GOOGLE_TRANSLATE_URL`` overrides ``https://translation.googleapis.com``.
``TRANSLATION_TIMEOUT_SECONDS`` HTTP timeout towards the provider (default 5); on a failure the original text is
                                shown, marked, and the provider is left alone for ``TRANSLATION_RETRY_SECONDS`` (15).
``TRANSLATION_CACHE_SIZE``      translations kept in memory per process (default 4096).
``HANDOFF_QA_INTERVAL_SECONDS`` how often the quality review of closed handoffs runs (default 60; 0: never); it
                                catches up on every closed handoff without a review, the longest closed first.
``HANDOFF_QA_BATCH_SIZE``       handoffs reviewed per batch (default 50).
``HANDOFF_QA_RULES_FILE``       quality review rules (YAML); default ``{demo_dir}/qa_rules.yml`` (built-in defaults
                                without phrase lists when that file is missing; a configured file must exist).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

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
    redact_pii: bool | None = None
    metrics_public: bool = False
    opentelemetry: bool = False
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
    mode: Literal["demo", "production"] = Field(
        default="production", validation_alias=AliasChoices("NIMBUS_MODE", "HANDOFF_MODE", "mode")
    )
    public_docs: bool | None = None
    allowed_origins: str = ""
    ws_ticket_seconds: float = Field(default=30.0, gt=0, le=600)
    rate_limit_per_token: int = Field(default=1200, ge=0)
    rate_limit_service: int = Field(default=0, ge=0)
    rasa_jwt_secret: str | None = Field(
        default=None, validation_alias=AliasChoices("RASA_JWT_SECRET", "HANDOFF_RASA_JWT_SECRET", "rasa_jwt_secret")
    )
    kb_index_dir: Path = Field(
        default=Path("models/kb"), validation_alias=AliasChoices("KB_INDEX_DIR", "HANDOFF_KB_INDEX_DIR", "kb_index_dir")
    )
    reports_tracker_db_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "HANDOFF_REPORTS_TRACKER_DB_URL", "REPORTS_TRACKER_DB_URL", "reports_tracker_db_url"
        ),
    )
    # The NLU training data the unanswered-questions export appends to (its existing examples are kept).
    content_nlu_dir: Path = Field(
        default=Path("nlu_data"), validation_alias=AliasChoices("HANDOFF_CONTENT_NLU_DIR", "content_nlu_dir")
    )

    pseudonym_key: str | None = None
    retention_days: int = Field(default=90, ge=0)
    retention_check_seconds: float = Field(default=3600.0, ge=0)
    qa_interval_seconds: float = Field(default=60.0, ge=0)
    qa_batch_size: int = Field(default=50, ge=1, le=1000)
    qa_rules_file: Path | None = None
    customers_file: Path | None = None
    # Customer-data provider (CRM): HTTP when a URL is set, else the customer directory file.
    customer_data_url: str | None = None
    customer_data_token: str | None = None
    customer_data_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    privacy_redis_urls: str = ""
    # Attachments (images, PDFs): the largest file accepted, how long a signed link works, and the service's public
    # base URL that platforms fetch an agent's file from (default: the URL the request reached).
    attachment_max_bytes: int = Field(default=3_000_000, ge=1024)
    attachment_link_seconds: int = Field(default=24 * 3600, ge=60)
    public_url: str | None = None
    action_server_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ACTION_SERVER_URL", "HANDOFF_ACTION_SERVER_URL", "action_server_url"),
    )
    action_server_token: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ACTION_SERVER_TOKEN", "HANDOFF_ACTION_SERVER_TOKEN", "action_server_token"),
    )
    translation_provider: Literal["libretranslate", "deepl", "google", "none"] | None = Field(
        default=None, validation_alias=AliasChoices("TRANSLATION_PROVIDER", "translation_provider")
    )
    translation_url: str | None = Field(
        default=None, validation_alias=AliasChoices("TRANSLATION_URL", "translation_url")
    )
    translation_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("TRANSLATION_API_KEY", "translation_api_key")
    )
    translation_timeout_seconds: float = Field(
        default=5.0, gt=0, validation_alias=AliasChoices("TRANSLATION_TIMEOUT_SECONDS", "translation_timeout_seconds")
    )
    translation_retry_seconds: float = Field(
        default=15.0, ge=0, validation_alias=AliasChoices("TRANSLATION_RETRY_SECONDS", "translation_retry_seconds")
    )
    translation_cache_size: int = Field(
        default=4096, ge=0, validation_alias=AliasChoices("TRANSLATION_CACHE_SIZE", "translation_cache_size")
    )
    deepl_api_key: str | None = Field(default=None, validation_alias=AliasChoices("DEEPL_API_KEY", "deepl_api_key"))
    deepl_api_url: str | None = Field(default=None, validation_alias=AliasChoices("DEEPL_API_URL", "deepl_api_url"))
    google_translate_project: str | None = Field(
        default=None, validation_alias=AliasChoices("GOOGLE_TRANSLATE_PROJECT", "google_translate_project")
    )
    google_translate_access_token: str | None = Field(
        default=None, validation_alias=AliasChoices("GOOGLE_TRANSLATE_ACCESS_TOKEN", "google_translate_access_token")
    )
    google_translate_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("GOOGLE_TRANSLATE_API_KEY", "google_translate_api_key")
    )
    google_translate_url: str = Field(
        default="https://translation.googleapis.com",
        validation_alias=AliasChoices("GOOGLE_TRANSLATE_URL", "google_translate_url"),
    )

    @property
    def translation_engine(self) -> str:
        """The translation provider in use: as configured, else LibreTranslate when its URL is set, else none."""
        if self.translation_provider is not None:
            return self.translation_provider
        return "libretranslate" if self.translation_url else "none"

    @property
    def translation_enabled(self) -> bool:
        """Agents and customers without a common language are served through machine translation."""
        return self.translation_engine != "none"

    @field_validator(
        "translation_provider",
        "translation_url",
        "translation_api_key",
        "deepl_api_key",
        "deepl_api_url",
        "google_translate_project",
        "google_translate_access_token",
        "google_translate_api_key",
        mode="before",
    )
    @classmethod
    def _translation_empty_is_none(cls, value: object) -> object:
        """An empty ``TRANSLATION_URL=`` (as in ``.env.example``) means not set."""
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def redaction_on(self) -> bool:
        """Redact stored and logged text: as configured, else in production mode (data minimisation by default)."""
        return self.redact_pii if self.redact_pii is not None else not self.demo_mode

    @property
    def qa_rules_path(self) -> Path:
        """The quality review rules file: the configured one, else ``qa_rules.yml`` in the demo directory."""
        return self.qa_rules_file if self.qa_rules_file is not None else self.demo_dir / "qa_rules.yml"

    @property
    def customer_directory_path(self) -> Path | None:
        """The customer directory file in use: the configured one, else the demo one in demo mode."""
        if self.customers_file is not None:
            return self.customers_file
        return self.demo_dir / "customers.yml" if self.demo_mode else None

    @property
    def redis_urls_for_erasure(self) -> list[str]:
        """Every Redis whose keys about a conversation must go on erasure."""
        urls = [self.redis_url] if self.redis_url else []
        urls += [url.strip() for url in self.privacy_redis_urls.split(",") if url.strip()]
        return list(dict.fromkeys(urls))

    @property
    def web_chat_rasa_url(self) -> str:
        """The Rasa URL the web chat page connects to."""
        return (self.public_rasa_url or self.rasa_url).rstrip("/")

    @property
    def demo_mode(self) -> bool:
        """Demo data and public docs are allowed only in an explicit demo mode."""
        return self.mode == "demo"

    @property
    def docs_public(self) -> bool:
        """Whether ``/docs``, ``/redoc`` and ``/openapi.json`` are served."""
        return self.demo_mode if self.public_docs is None else self.public_docs

    @property
    def extra_origins(self) -> frozenset[str]:
        """Configured origins allowed besides the service's own (exact match, no trailing slash)."""
        return frozenset(o.strip().rstrip("/") for o in self.allowed_origins.split(",") if o.strip())

    @field_validator("mode", mode="before")
    @classmethod
    def _mode_lower(cls, value: object) -> object:
        """``NIMBUS_MODE=Demo`` means demo; an empty value means production."""
        if isinstance(value, str):
            return value.strip().lower() or "production"
        return value

    @field_validator("qa_rules_file", mode="before")
    @classmethod
    def _qa_rules_empty_is_none(cls, value: object) -> object:
        """An empty ``HANDOFF_QA_RULES_FILE=`` means the default file."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("reports_tracker_db_url", mode="before")
    @classmethod
    def _reports_tracker_empty_is_none(cls, value: object) -> object:
        """An empty ``HANDOFF_REPORTS_TRACKER_DB_URL=`` means not configured."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("customers_file", "customer_data_url", "customer_data_token", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        """An empty ``HANDOFF_CUSTOMERS_FILE=`` (as in ``.env.example``) means no file, not the current directory."""
        return None if isinstance(value, str) and not value.strip() else value

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
