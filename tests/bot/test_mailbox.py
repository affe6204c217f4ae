"""The REST mailbox: bot and agent messages after a point in time, from tracker events."""

from __future__ import annotations

from bot.channels.mailbox import messages_after

EVENTS = [
    {"event": "user", "text": "hola", "timestamp": 1.0},
    {"event": "bot", "text": "¡Hola!", "timestamp": 2.0, "metadata": {"utter_action": "utter_greet"}},
    {
        "event": "bot",
        "text": "Soy María, ¿en qué te ayudo?",
        "timestamp": 3.0,
        "metadata": {"metadata": {"from_agent": True, "agent_name": "María"}},
    },
    {
        "event": "bot",
        "text": "¿Hablamos con una persona?",
        "timestamp": 4.0,
        "data": {"buttons": [{"title": "Sí", "payload": "/affirm"}]},
    },
]


def test_only_bot_messages_after_the_timestamp_oldest_first() -> None:
    """Customer turns are left out; agent replies are marked; buttons are kept."""
    assert messages_after(EVENTS, 2.0) == [
        {"timestamp": 3.0, "text": "Soy María, ¿en qué te ayudo?", "from_agent": True},
        {"timestamp": 4.0, "text": "¿Hablamos con una persona?", "buttons": [{"title": "Sí", "payload": "/affirm"}]},
    ]


def test_nothing_new() -> None:
    """A client that has seen everything gets an empty list."""
    assert messages_after(EVENTS, 4.0) == []
