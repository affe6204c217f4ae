"""Messaging windows per platform, with a frozen clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handoff.domain.windows import messaging_window

LAST = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("channel", "elapsed", "is_open", "closes_after", "tag"),
    [
        ("whatsapp", timedelta(hours=23, minutes=59), True, timedelta(hours=24), None),  # inside 24 h
        ("whatsapp", timedelta(hours=24), False, timedelta(hours=24), None),  # closed exactly at 24 h
        ("twilio", timedelta(hours=30), False, timedelta(hours=24), None),  # WhatsApp through Twilio: same rule
        ("messenger", timedelta(hours=2), True, timedelta(days=7), None),  # standard window, no tag
        ("facebook", timedelta(hours=25), True, timedelta(days=7), "HUMAN_AGENT"),  # late reply needs the tag
        ("messenger", timedelta(days=7, seconds=1), False, timedelta(days=7), "HUMAN_AGENT"),  # past 7 days
    ],
)
def test_limited_channels(channel: str, elapsed: timedelta, is_open: bool, closes_after: timedelta, tag: str | None):
    """WhatsApp: 24 h; Messenger: 24 h, then 7 days with the HUMAN_AGENT tag."""
    window = messaging_window(channel, LAST, LAST + elapsed)
    assert (window.limited, window.open, window.closes_at, window.tag) == (True, is_open, LAST + closes_after, tag)


@pytest.mark.parametrize("channel", ["rest", "socketio", "line"])
def test_unlimited_channels(channel: str) -> None:
    """Web chat, REST and LINE accept replies at any time."""
    window = messaging_window(channel, LAST, LAST + timedelta(days=30))
    assert (window.limited, window.open, window.closes_at) == (False, True, None)


def test_refusal_tells_the_agent_what_to_do() -> None:
    """A closed WhatsApp window explains why and what is possible instead."""
    window = messaging_window("whatsapp", LAST, LAST + timedelta(days=2))
    assert "2026-11-21 10:00 UTC" in window.refusal("whatsapp")
    assert "template" in window.refusal("whatsapp")
