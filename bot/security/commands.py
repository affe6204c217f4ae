"""Customer text that starts with `/` is Rasa's shorthand for an intent and would skip NLU. From a customer channel
only the exact button payloads the domain offers customers (and the attachment intent the channels themselves
produce) keep that meaning; anything else loses its leading slashes and goes through NLU as text. Intents reserved
for the handoff service reach Rasa only as external events (trigger_intent), which do not pass here."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from bot.channels.inbound import SHARE_MEDIA

PREFIX = "/"

# Buttons that actions build at run time rather than the domain: the knowledge base's "which article do you mean?"
# (an article id, or "none"); the action checks the id against the index, so an unknown one only gets "no answer".
ACTION_PAYLOADS = (re.compile(r'/faq\{"kb_article":"[a-z0-9][a-z0-9-]{0,79}"\}'),)


def offered_payloads(responses: Mapping[str, Iterable[Mapping[str, Any]]]) -> frozenset[str]:
    """Every button and quick-reply payload of the domain's responses, plus what channels send for attachments."""
    payloads = {SHARE_MEDIA}
    for variations in responses.values():
        for variation in variations or ():
            for key in ("buttons", "quick_replies"):
                for button in variation.get(key) or ():
                    payload = button.get("payload") if isinstance(button, Mapping) else None
                    if isinstance(payload, str) and payload.startswith(PREFIX):
                        payloads.add(payload)
    return frozenset(payloads)


def customer_text(text: str | None, accepted: frozenset[str]) -> str | None:
    """`text` as NLU must see it: an accepted payload unchanged, any other `/...` without its leading slashes."""
    stripped = (text or "").strip()  # Rasa strips the text before looking for the prefix
    if not stripped.startswith(PREFIX) or stripped in accepted:
        return text
    if any(pattern.fullmatch(stripped) for pattern in ACTION_PAYLOADS):
        return text
    return stripped.lstrip(PREFIX).strip()
