"""bot/speedups.py: the compiled action-response validator accepts and rejects exactly what Rasa's does."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction

from bot import speedups

GOOD: list[dict[str, Any]] = [
    {"events": [], "responses": []},
    {
        "events": [{"event": "slot", "name": "language", "value": "es", "timestamp": None}],
        "responses": [{"text": "hola"}],
    },
    {"events": [{"event": "followup", "name": "action_handoff"}], "responses": []},
    {},
]
BAD: list[dict[str, Any]] = [
    {"events": "not a list"},
    {"events": [{"event": "slot"}]},  # a slot event needs a name
    {"responses": ["not an object"]},
    {"events": [{"event": "no_such_event"}]},
]


@pytest.mark.parametrize("result", GOOD)
def test_valid_responses_pass_as_with_rasa(result: dict[str, Any]) -> None:
    validate(result, RemoteAction.action_response_format_spec())  # Rasa's own way accepts it too
    assert speedups.validate_action_result(RemoteAction("action_x", None), result) is True


@pytest.mark.parametrize("result", BAD)
def test_invalid_responses_fail_as_with_rasa(result: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        validate(result, RemoteAction.action_response_format_spec())
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        speedups.validate_action_result(RemoteAction("action_x", None), result)


def test_install_replaces_rasas_method_once() -> None:
    speedups.install()
    speedups.install()
    assert RemoteAction._validate_action_result is speedups.validate_action_result
    assert RemoteAction("action_x", None)._validate_action_result({"events": []}) is True
