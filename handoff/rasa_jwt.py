"""Credentials for calls to Rasa's HTTP API: a short-lived HS256 JWT that Rasa verifies with ``RASA_JWT_SECRET``.

Rasa's own JWT support accepts ``Authorization: Bearer <JWT>`` whose payload names a user with role ``admin``;
sending it in a header keeps every secret out of URLs and therefore out of access logs.
"""

from __future__ import annotations

import time

import jwt

INTERNAL_USER = "nimbus-internal"
LIFETIME_SECONDS = 60


def internal_jwt(secret: str, now: float | None = None, lifetime: int = LIFETIME_SECONDS) -> str:
    """A JWT for ``{"user": {"username": "nimbus-internal", "role": "admin"}}`` expiring ``lifetime`` s from now."""
    issued = int(time.time() if now is None else now)
    payload = {"user": {"username": INTERNAL_USER, "role": "admin"}, "iat": issued, "exp": issued + lifetime}
    return jwt.encode(payload, secret, algorithm="HS256")


def rasa_auth_headers(secret: str | None) -> dict[str, str]:
    """``Authorization`` header for a call to Rasa, or no header when no secret is configured."""
    return {"Authorization": f"Bearer {internal_jwt(secret)}"} if secret else {}
