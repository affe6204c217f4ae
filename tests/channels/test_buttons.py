"""Adapting buttons to the platforms' limits."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.channels.agent import sent_by_agent
from bot.channels.buttons import Choice, choices, numbered_fallback, shorten


def test_shorten_table() -> None:
    """Titles within the limit stay, longer ones end in an ellipsis, cut at a word when one is near."""
    assert shorten("Yes", 20) == "Yes"
    assert shorten("Track my order please now", 20) == "Track my order…"
    assert shorten("Verfolgungsnummernabfrage", 20) == "Verfolgungsnummerna…"
    assert shorten("  many   spaces  ", 20) == "many spaces"


def test_choices_keep_payloads_and_drop_empty_buttons() -> None:
    """Payloads are untouched; a button without title or payload is dropped; the title falls back to the payload."""
    buttons = [{"title": "Yes, cancel my subscription now", "payload": "/affirm"}, {"title": ""}, {"payload": "/deny"}]
    assert choices(buttons, 20) == [Choice("Yes, cancel my…", "/affirm"), Choice("/deny", "/deny")]


def test_numbered_fallback_lists_every_choice() -> None:
    """When there are too many buttons, the text lists them."""
    assert numbered_fallback("Pick one:", [Choice("A", "/a"), Choice("B", "/b")]) == "Pick one:\n1. A\n2. B"


@given(st.text(max_size=80), st.integers(2, 40))
def test_shortened_titles_always_fit(title: str, limit: int) -> None:
    """Whatever the title, the result fits the platform's limit."""
    assert len(shorten(title, limit)) <= limit


def test_agent_replies_are_recognised_from_their_metadata() -> None:
    """The delivery action's metadata (nested, as Rasa passes it) or a direct flag marks an agent's reply."""
    assert sent_by_agent({"metadata": {"from_agent": True, "agent_name": "Ana"}})
    assert sent_by_agent({"from_agent": True})
    assert not sent_by_agent({"metadata": {"utter_action": "utter_greet"}})
    assert not sent_by_agent({"metadata": None})
