"""Rasa 3.6 hot-path fixes that change no behaviour, installed once per Rasa process.

Rasa validates every action-server response with ``jsonschema.validate(result, schema)``, which first checks the
schema itself against the JSON-Schema meta-schema, on every call. Under load that was 22 % of the Rasa server's CPU
(py-spy, bench/e2e, 100 conversations at once). Here the same schema is checked once and the compiled validator is
reused; a response that does not match still raises the same ``ValidationError`` with Rasa's message.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_installed = False


@lru_cache(maxsize=1)
def action_response_validator() -> Validator:
    """Rasa's action-response schema, checked once, compiled once."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Drop-in for ``RemoteAction._validate_action_result`` with the compiled validator."""
    try:
        action_response_validator().validate(result)
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the Action endpoint "
            f"is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


def install() -> None:
    """Apply the fixes (idempotent)."""
    global _installed
    if not _installed:
        RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
        _installed = True
