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

# Payloads that answer only the question the bot has just asked (the satisfaction survey after a handoff): accepted
# only when a bot message since the customer's previous message offered exactly that payload, so a customer cannot
# rate out of turn by typing one.
OFFER_ONLY_PREFIXES = ("/csat_rate", "/csat_skip")


def is_offer_only(payload: str) -> bool:
    """Whether `payload` is accepted only right after the bot offered it."""
    return payload.strip().startswith(OFFER_ONLY_PREFIXES)


def button_payloads(message: Mapping[str, Any]) -> set[str]:
    """The `/...` payloads of one response or bot message's buttons and quick replies."""
    payloads = set()
    for key in ("buttons", "quick_replies"):
        for button in message.get(key) or ():
            payload = button.get("payload") if isinstance(button, Mapping) else None
            if isinstance(payload, str) and payload.startswith(PREFIX):
                payloads.add(payload)
    return payloads


def offered_since_customer(events_newest_first: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    """The payloads the bot's messages offered since the latest user message (tracker events as dicts, newest
    first; an external event such as the agent's close counts as a user message, so the bot's answer to it counts)."""
    offered: set[str] = set()
    for event in events_newest_first:
        kind = event.get("event")
        if kind == "user":
            break
        if kind == "bot":
            offered |= button_payloads(event.get("data") or {})
    return frozenset(offered)


def offered_payloads(responses: Mapping[str, Iterable[Mapping[str, Any]]]) -> frozenset[str]:
    """Every button and quick-reply payload of the domain's responses (but those accepted only when offered), plus
    what channels send for attachments."""
    payloads = {SHARE_MEDIA}
    for variations in responses.values():
        for variation in variations or ():
            payloads |= {payload for payload in button_payloads(variation) if not is_offer_only(payload)}
    return frozenset(payloads)


def customer_text(text: str | None, accepted: frozenset[str], offered_now: frozenset[str] = frozenset()) -> str | None:
    """`text` as NLU must see it: an accepted payload (or one the bot's last messages offered) unchanged, any other
    `/...` without its leading slashes."""
    stripped = (text or "").strip()  # Rasa strips the text before looking for the prefix
    if not stripped.startswith(PREFIX) or stripped in accepted:
        return text
    if is_offer_only(stripped):
        return text if stripped in offered_now else stripped.lstrip(PREFIX).strip()
    if any(pattern.fullmatch(stripped) for pattern in ACTION_PAYLOADS):
        return text
    return stripped.lstrip(PREFIX).strip()
