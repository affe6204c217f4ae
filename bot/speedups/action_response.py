"""Action-server responses validated against Rasa's schema at a fraction of the cost.

Rasa validates every action-server response with ``jsonschema.validate(result, schema)``, which first checks the
schema itself against the JSON-Schema meta-schema, on every call, a large share of the Rasa server's CPU under load.
Compiling the validator once removes that, but validating stays costly because each event is tried against every
event schema of the schema's ``oneOf``.

The ``oneOf`` branches differ by the constant of the ``event`` field, so an event that names a known event type is
valid exactly when it matches the shared event fields and that one branch: with one small compiled validator per
event type, a valid response is recognised with one check per event. Anything that check does not accept goes
through the full validator, so an invalid response raises the same ``ValidationError`` as Rasa's (the error
``jsonschema.validate`` picks as the best match, with Rasa's message).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.utils.schemas.events import EVENT_SCHEMA


def _compiled(schema: dict[str, Any]) -> Validator:
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


@lru_cache(maxsize=1)
def action_response_validator() -> Validator:
    """Rasa's action-response schema, checked once, compiled once."""
    return _compiled(RemoteAction.action_response_format_spec())


@lru_cache(maxsize=1)
def event_validators() -> dict[str, Validator]:
    """Event type -> validator of the shared event fields plus that type's ``oneOf`` branch.

    Empty (every response takes the full validator) if the branches ever stop being told apart by one constant each.
    """
    shared = {key: value for key, value in EVENT_SCHEMA.items() if key != "oneOf"}
    validators: dict[str, Validator] = {}
    for branch in EVENT_SCHEMA["oneOf"]:
        constant = branch.get("properties", {}).get("event", {}).get("const")
        if not isinstance(constant, str) or constant in validators:
            return {}
        validators[constant] = _compiled({"allOf": [shared, branch]})
    return validators


def _surely_valid(result: Any) -> bool:
    """True only for responses the full schema accepts (False means: ask the full validator)."""
    if not isinstance(result, dict):
        return False
    responses = result.get("responses", [])
    if not isinstance(responses, list) or not all(isinstance(response, dict) for response in responses):
        return False
    events = result.get("events", [])
    if not isinstance(events, list):
        return False
    validators = event_validators()
    for event in events:
        kind = event.get("event") if isinstance(event, dict) else None
        validator = validators.get(kind) if isinstance(kind, str) else None
        if validator is None or not validator.is_valid(event):
            return False
    return True


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Drop-in for ``RemoteAction._validate_action_result``: same verdicts, same errors."""
    if _surely_valid(result):
        return True
    # As jsonschema.validate does: the most relevant of the errors, not the first one found.
    error = best_match(action_response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the Action endpoint "
            f"is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result
