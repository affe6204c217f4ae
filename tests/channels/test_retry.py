"""The retry policy of outgoing platform calls."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.channels.retry import RetryPolicy, is_retryable, parse_retry_after


@pytest.mark.parametrize(
    ("status", "expected"),
    [(429, True), (500, True), (503, True), (599, True), (400, False), (401, False), (404, False), (200, False)],
)
def test_retryable_statuses(status: int, expected: bool) -> None:
    """Rate limits and server errors are retried; client errors are not (retrying would not help)."""
    assert is_retryable(status) is expected


def test_parse_retry_after_table() -> None:
    """Seconds or an HTTP date; anything else is ignored."""
    now = datetime(2026, 11, 23, 12, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("3", now) == 3.0
    assert parse_retry_after("Mon, 23 Nov 2026 12:00:10 GMT", now) == 10.0
    assert parse_retry_after("Mon, 23 Nov 2026 11:00:00 GMT", now) == 0.0  # a date in the past: no wait
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_backoff_doubles_up_to_the_cap_and_honours_retry_after() -> None:
    """Exponential delays capped at max_delay; Retry-After wins but is capped too."""
    policy = RetryPolicy(max_attempts=5, base_delay=0.5, max_delay=3.0)
    assert [policy.delay(attempt) for attempt in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 3.0]
    assert policy.delay(1, retry_after=2.5) == 2.5
    assert policy.delay(1, retry_after=120.0) == 3.0


def test_attempts_are_bounded() -> None:
    """No retry after the last attempt, nor for a client error; connection errors (no status) are retried."""
    policy = RetryPolicy(max_attempts=3)
    assert policy.should_retry(1, 503) and policy.should_retry(2, None)
    assert not policy.should_retry(3, 503)
    assert not policy.should_retry(1, 400)


def test_invalid_policies_are_refused() -> None:
    """A policy that would never try, or wait negative time, is a configuration error."""
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(base_delay=-1)
