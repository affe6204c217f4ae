"""Who may call the action server, and with which settings it refuses to start (pure decisions)."""

from __future__ import annotations

import pytest

from actions.access import is_authorized, is_open_route, startup_problem
from actions.settings import ActionSettings

TOKEN = "s3cret-token"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (f"Bearer {TOKEN}", True),
        (f"bearer {TOKEN}", True),  # the scheme is case-insensitive (RFC 7235)
        (None, False),
        ("", False),
        ("Bearer", False),
        (f"Bearer {TOKEN}x", False),
        (f"Bearer {TOKEN[:-1]}", False),
        (f"Basic {TOKEN}", False),
        (TOKEN, False),  # no scheme
    ],
)
def test_only_the_exact_bearer_token_is_accepted(header: str | None, expected: bool) -> None:
    """`Authorization: Bearer <token>` and nothing else."""
    assert expected == is_authorized(header, TOKEN)


def test_an_empty_token_authorizes_nobody() -> None:
    """A server without a token never takes `Bearer ` for a match."""
    assert not is_authorized("Bearer ", "")


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [("GET", "/health", True), ("POST", "/health", False), ("POST", "/webhook", False), ("GET", "/actions", False)],
)
def test_only_the_health_check_is_open(method: str, path: str, expected: bool) -> None:
    """Liveness stays open for the launcher; everything else needs the token."""
    assert expected == is_open_route(method, path)


@pytest.mark.parametrize(
    ("environment", "refused"),
    [
        ({}, True),  # unset mode means production
        ({"NIMBUS_MODE": ""}, True),
        ({"NIMBUS_MODE": "production"}, True),
        ({"NIMBUS_MODE": "production", "ACTION_SERVER_TOKEN": TOKEN}, False),
        ({"NIMBUS_MODE": "Demo"}, False),  # an explicit demo on loopback may run without it, loudly
        ({"NIMBUS_MODE": "demo", "ACTIONS_BIND_HOST": "0.0.0.0"}, True),  # but never open to the network
        ({"NIMBUS_MODE": "demo", "ACTIONS_BIND_HOST": "::1"}, False),
        ({"NIMBUS_MODE": "demo", "ACTIONS_BIND_HOST": "0.0.0.0", "ACTION_SERVER_TOKEN": TOKEN}, False),
    ],
)
def test_start_is_refused_without_the_token_outside_a_loopback_demo(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], refused: bool
) -> None:
    """The action server holds the handoff service's key: without the shared secret it runs only as a loopback demo."""
    for name in ("NIMBUS_MODE", "ACTION_SERVER_TOKEN", "ACTIONS_BIND_HOST"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert refused == (startup_problem(ActionSettings()) is not None)


def test_settings_never_show_the_token() -> None:
    """The token is a secret value: printing the settings does not reveal it."""
    settings = ActionSettings(action_server_token=TOKEN)
    assert TOKEN not in repr(settings) and TOKEN not in str(settings.model_dump())
