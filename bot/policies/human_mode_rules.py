"""What the bot does next while a person owns the conversation: a pure decision over plain values."""

from __future__ import annotations

ACTION_LISTEN = "action_listen"
RELAY = "action_relay_to_agent"
DELIVER = "action_deliver_agent_reply"
HANDBACK = "action_handback"

AGENT_REPLY = "agent_reply"
AGENT_END_INTENTS = frozenset({"agent_handback", "agent_close"})

# After these actions the bot waits for the next message.
LISTEN_AFTER = frozenset({RELAY, DELIVER, HANDBACK, "action_handoff"})


def next_action(human_mode: bool, latest_action: str | None, latest_intent: str | None) -> str | None:
    """The action to run, or None to let the other policies decide.

    `latest_action` is the last action run; it is `action_listen` right after a message arrived, and
    `latest_intent` is that message's intent. Agent events (external intents from the handoff service) are always
    served, so that an agent's words reach the customer even if the handoff ended meanwhile; customer messages are
    relayed, never answered, while a person owns the conversation.
    """
    if latest_action == ACTION_LISTEN:
        if latest_intent == AGENT_REPLY:
            return DELIVER
        if latest_intent in AGENT_END_INTENTS:
            return HANDBACK if human_mode else ACTION_LISTEN
        return RELAY if human_mode else None
    if latest_action in LISTEN_AFTER and (human_mode or latest_action != "action_handoff"):
        return ACTION_LISTEN
    return None
