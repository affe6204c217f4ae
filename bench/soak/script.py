"""What soak customers and agents write: numbered texts, unique per customer, that the ledger can put in order."""

from __future__ import annotations

import re

GREETING = "hello"
ASK_FOR_A_PERSON = "I want to talk to a real person"
BOT_MODE_MESSAGES = ("hello", "thank you", "hi there", "thanks a lot")

_NUMBERED = re.compile(r"^soak (?P<tag>[a-z0-9]+) (?P<kind>[mr])(?P<number>\d+)$")


def customer_text(tag: str, number: int) -> str:
    """The customer's `number`-th message in human mode (1-based)."""
    return f"soak {tag} m{number}"


def agent_text(tag: str, number: int) -> str:
    """The agent's answer to the customer's `number`-th message."""
    return f"soak {tag} r{number}"


def reply_id(conversation_id: str, number: int) -> str:
    """The idempotency key of the agent's answer to message `number`: a retried reply is stored once."""
    return f"soak-{conversation_id}-r{number}"[-128:]


def parse(text: str) -> tuple[str, str, int] | None:
    """(tag, "m" or "r", number) of a numbered soak text; None for anything else."""
    match = _NUMBERED.match(text.strip())
    if match is None:
        return None
    return match["tag"], match["kind"], int(match["number"])
