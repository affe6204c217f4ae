"""What the bot does with the customer's answers to the satisfaction survey: pure decisions over plain values.

After an agent's close the bot asks for a rating (`action_handback`), then for an optional comment
(`action_csat_rate`). A rating arrives as a button payload (`csat_rate`, accepted by the command guard only when
offered) or as a typed digit; a comment is the one message right after the comment prompt, unless it looks like a
new request, which the bot then serves as usual (the rating is already stored, nothing is swallowed).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

ACTION_LISTEN = "action_listen"
HANDBACK = "action_handback"
RATE = "action_csat_rate"
COMMENT = "action_csat_comment"

RATE_INTENT = "csat_rate"
SKIP_INTENT = "csat_skip"
STAGE_RATING = "rating"
STAGE_COMMENT = "comment"

# Intents that start something new rather than describe the conversation just rated.
NEW_REQUEST_INTENTS = frozenset(
    {"request_human", "check_order_status", "cancel_order", "request_refund", "change_language", "share_media"}
)
# Question marks of the supported scripts (Latin, Spanish opening mark, Chinese full width, Arabic).
QUESTION_MARKS = frozenset("?¿？؟")
EXTERNAL_INTENTS = frozenset({"agent_reply", "agent_handback", "agent_close"})


@dataclass(frozen=True)
class Turn:
    """What the policy knows about the message just received."""

    human_mode: bool
    latest_action: str | None
    intent: str | None
    text: str
    stage: str | None
    # The last action the bot ran before this message, and how many seconds before it.
    asked_by: str | None
    seconds_since_asked: float | None


def typed_digit(text: str) -> int | None:
    """The value of a message that is one decimal digit in any script ("4", "٤", "４"), else None."""
    stripped = text.strip()
    if len(stripped) != 1:
        return None
    value = unicodedata.decimal(stripped, None)
    return int(value) if value is not None else None


def looks_like_new_request(text: str, intent: str | None) -> bool:
    """Whether a message after the comment prompt is a new question or request rather than a comment."""
    stripped = text.strip()
    if not stripped or stripped.startswith("/"):
        return True
    if any(mark in QUESTION_MARKS for mark in stripped):
        return True
    return intent in NEW_REQUEST_INTENTS


def asked_before(
    events_newest_first: Iterable[tuple[str, str | None, float | None]],
) -> tuple[str | None, float | None]:
    """The last action before the latest user message and its timestamp, from (kind, name, timestamp) tuples
    ("user" or "action"), newest first; (None, None) when the conversation has no earlier action."""
    seen_message = False
    for kind, name, timestamp in events_newest_first:
        if kind == "user":
            if seen_message:
                return None, None
            seen_message = True
        elif kind == "action" and seen_message and name != ACTION_LISTEN:
            return name, timestamp
    return None, None


def next_action(turn: Turn, reply_window_seconds: float) -> str | None:
    """The survey action to run for this turn, `action_listen` after one, or None to let the other policies decide.

    A typed answer (digit or comment) counts only as the very next message after its prompt and within
    `reply_window_seconds` of it; later, the same text is an ordinary message.
    """
    if turn.latest_action in (RATE, COMMENT):
        return ACTION_LISTEN
    if turn.latest_action != ACTION_LISTEN or turn.human_mode or turn.intent in EXTERNAL_INTENTS:
        return None
    if turn.intent == RATE_INTENT:
        return RATE
    if turn.intent == SKIP_INTENT:
        return COMMENT
    fresh = turn.seconds_since_asked is not None and turn.seconds_since_asked <= reply_window_seconds
    if not fresh:
        return None
    if turn.stage == STAGE_RATING and turn.asked_by in (HANDBACK, RATE) and typed_digit(turn.text) is not None:
        return RATE
    if turn.stage == STAGE_COMMENT and turn.asked_by == RATE and not looks_like_new_request(turn.text, turn.intent):
        return COMMENT
    return None
