"""What the bot does next while a person owns the conversation (pure decision table)."""

from __future__ import annotations

import pytest

from bot.policies.human_mode_rules import next_action


@pytest.mark.parametrize(
    ("human_mode", "latest_action", "latest_intent", "expected"),
    [
        # a customer message in human mode is relayed, whatever its intent
        (True, "action_listen", "greet", "action_relay_to_agent"),
        (True, "action_listen", "request_human", "action_relay_to_agent"),
        (True, "action_listen", "nlu_fallback", "action_relay_to_agent"),
        (True, "action_listen", "faq", "action_relay_to_agent"),
        # after relaying, the bot waits silently
        (True, "action_relay_to_agent", "faq", "action_listen"),
        # agent replies are delivered, then the bot waits
        (True, "action_listen", "agent_reply", "action_deliver_agent_reply"),
        (True, "action_deliver_agent_reply", "agent_reply", "action_listen"),
        # the agent ends the handoff: hand back, then wait for the customer
        (True, "action_listen", "agent_handback", "action_handback"),
        (True, "action_listen", "agent_close", "action_handback"),
        (False, "action_handback", "agent_handback", "action_listen"),
        # right after the handoff the bot waits for the customer
        (True, "action_handoff", "request_human", "action_listen"),
        # outside human mode: other policies decide...
        (False, "action_listen", "greet", None),
        (False, "action_handoff", "request_human", None),
        (False, "utter_greet", "greet", None),
        # ...but a late agent reply still reaches the customer, and a stale close is ignored
        (False, "action_listen", "agent_reply", "action_deliver_agent_reply"),
        (False, "action_listen", "agent_close", "action_listen"),
    ],
)
def test_next_action(human_mode: bool, latest_action: str, latest_intent: str, expected: str | None) -> None:
    """The human-mode decision for each situation."""
    assert next_action(human_mode, latest_action, latest_intent) == expected
