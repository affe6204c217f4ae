"""The typing throttle: one "typing" per conversation every few seconds, a "stopped" only after a "typing"."""

from __future__ import annotations

from handoff.services.typing import TypingThrottle


def test_typing_is_throttled_per_conversation() -> None:
    now = [100.0]
    throttle = TypingThrottle(interval=5.0, clock=lambda: now[0])
    assert throttle.allow("a", True)
    assert not throttle.allow("a", True)
    assert throttle.allow("b", True)
    now[0] += 5.0
    assert throttle.allow("a", True)
    assert throttle.allow("a", False)
    assert not throttle.allow("a", False)
    assert throttle.allow("a", True)  # typing again right after stopping shows at once
    assert not throttle.allow("never-typed", False)
