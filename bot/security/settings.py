"""The Rasa server's security settings, read once from the environment by the entry point (bot/server.py).

Nothing else under bot/ reads these variables: the entry point hands the resulting object to the channels and the
routes it installs.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

MODES = ("demo", "production")
ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+$")


class SettingsError(ValueError):
    """An environment variable with a value the server cannot start with."""


@dataclass(frozen=True)
class RateLimit:
    """A token bucket: `per_minute` requests on average, up to `burst` at once; `per_minute == 0` is off."""

    per_minute: float
    burst: int

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0


@dataclass(frozen=True)
class EdgeSettings:
    """Credentials, origins and limits of the Rasa server; the defaults are the safe production ones."""

    mode: str = "production"
    api_token: str | None = None
    jwt_secret: str | None = None
    bind_host: str = "127.0.0.1"
    cors_origins: tuple[str, ...] = ()
    session_secret: str = field(default="", repr=False)
    rest_token: str | None = field(default=None, repr=False)
    max_body_bytes: int = 65536
    max_api_body_bytes: int = 1_048_576
    max_message_chars: int = 4000
    sender_limit: RateLimit = RateLimit(60, 20)
    ip_limit: RateLimit = RateLimit(3000, 300)
    session_secret_generated: bool = False

    @property
    def demo(self) -> bool:
        return self.mode == "demo"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> EdgeSettings:
        """The settings of this process; `SettingsError` naming the variable for anything unusable."""
        mode = (environ.get("NIMBUS_MODE") or "production").strip().lower()
        if mode not in MODES:
            raise SettingsError(f"NIMBUS_MODE must be one of {', '.join(MODES)}, got {mode!r}")
        session_secret = environ.get("NIMBUS_SESSION_SECRET") or ""
        generated = False
        if not session_secret:
            if mode == "production":
                raise SettingsError(
                    "NIMBUS_SESSION_SECRET is required in production mode (it signs web-chat sessions and REST "
                    "mailbox tokens); scripts/run.py generates one"
                )
            session_secret, generated = secrets.token_urlsafe(32), True
        api_token = environ.get("RASA_API_TOKEN") or None
        jwt_secret = environ.get("RASA_JWT_SECRET") or None
        if mode == "production" and not (api_token or jwt_secret):
            raise SettingsError(
                "RASA_API_TOKEN or RASA_JWT_SECRET is required in production mode (without either, Rasa's HTTP API "
                "is open to anyone who reaches it)"
            )
        return cls(
            mode=mode,
            api_token=api_token,
            jwt_secret=jwt_secret,
            bind_host=(environ.get("RASA_BIND_HOST") or "127.0.0.1").strip(),
            cors_origins=parse_origins(environ.get("RASA_CORS_ORIGINS") or ""),
            session_secret=session_secret,
            rest_token=environ.get("RASA_REST_TOKEN") or None,
            max_body_bytes=_whole(environ, "RASA_MAX_BODY_BYTES", 65536, minimum=1024),
            max_api_body_bytes=_whole(environ, "RASA_MAX_API_BODY_BYTES", 1_048_576, minimum=1024),
            max_message_chars=_whole(environ, "RASA_MAX_MESSAGE_CHARS", 4000, minimum=1),
            sender_limit=RateLimit(
                _whole(environ, "RASA_RATE_LIMIT_PER_SENDER", 60), _whole(environ, "RASA_RATE_LIMIT_SENDER_BURST", 20)
            ),
            ip_limit=RateLimit(
                _whole(environ, "RASA_RATE_LIMIT_PER_IP", 3000), _whole(environ, "RASA_RATE_LIMIT_IP_BURST", 300)
            ),
            session_secret_generated=generated,
        )


def parse_origins(raw: str) -> tuple[str, ...]:
    """Exact origins from a comma-separated list; `*` or anything that is not `scheme://host[:port]` is refused."""
    origins = []
    for item in raw.split(","):
        origin = item.strip().rstrip("/")
        if not origin:
            continue
        if origin == "*" or not ORIGIN.match(origin):
            raise SettingsError(
                f"RASA_CORS_ORIGINS lists exact origins like http://localhost:8080 (never '*'), got {origin!r}"
            )
        origins.append(origin)
    return tuple(dict.fromkeys(origins))


def _whole(environ: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = (environ.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def origin_allowed(origin: str | None, configured: tuple[str, ...], own_origin: str | None) -> bool:
    """Whether a browser page from `origin` may talk to this server: a configured origin or the server's own."""
    if not origin:
        return True  # not a browser (browsers always send Origin on cross-site WebSocket and CORS requests)
    origin = origin.rstrip("/")
    return origin in configured or (own_origin is not None and origin == own_origin)
