"""The WhatsApp template the handoff service chose for a message, as the `custom` body the channel sends."""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa_sdk import Tracker

logger = logging.getLogger(__name__)

TEMPLATE_ENTITY = "whatsapp_template"


def whatsapp_template(tracker: Tracker) -> dict[str, Any] | None:
    """`{"type": "template", "template": {...}}` from the latest external event's entity, else None."""
    raw = next(tracker.get_latest_entity_values(TEMPLATE_ENTITY), None)
    if not isinstance(raw, str) or not raw:
        return None
    try:
        template = json.loads(raw)
    except ValueError:
        logger.warning("ignored a template entity that is not JSON")
        return None
    if not isinstance(template, dict) or not template.get("name"):
        return None
    return {"type": "template", "template": template}
