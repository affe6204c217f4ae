"""Who may call the action server: pure decisions over a request's method, path and Authorization header."""

from __future__ import annotations

import hmac
import ipaddress

from actions.settings import ActionSettings

__all__ = ["OPEN_ROUTES", "is_authorized", "is_loopback", "is_open_route", "startup_problem"]

# Liveness probes carry no credential and learn nothing but "up".
OPEN_ROUTES = frozenset({("GET", "/health"), ("HEAD", "/health")})


def is_open_route(method: str, path: str) -> bool:
    """Whether a request needs no credential."""
    return (method.upper(), path) in OPEN_ROUTES


def is_authorized(authorization: str | None, token: str) -> bool:
    """Whether an Authorization header carries `Bearer <token>`; compared in constant time, never true for an
    empty token."""
    if not token or not authorization:
        return False
    scheme, _, presented = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(presented.strip().encode("utf-8"), token.encode("utf-8"))


def is_loopback(host: str) -> bool:
    """Whether a bind address is reachable from this machine only."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip()).is_loopback
    except ValueError:
        return False


def startup_problem(settings: ActionSettings) -> str | None:
    """Why the action server must not start with these settings, or None."""
    if settings.action_server_token.get_secret_value():
        return None
    if not settings.is_demo:
        return (
            "ACTION_SERVER_TOKEN is not set: outside demo mode (NIMBUS_MODE=demo) the action server refuses to start "
            "without the shared secret Rasa must send (bot/endpoints.yml)."
        )
    if not is_loopback(settings.actions_bind_host):
        return (
            f"ACTION_SERVER_TOKEN is not set and ACTIONS_BIND_HOST={settings.actions_bind_host} is not a loopback "
            "address: without the shared secret the action server listens on loopback only, even in demo mode."
        )
    return None
