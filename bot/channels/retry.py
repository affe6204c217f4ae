"""When to retry an outgoing platform call and how long to wait: pure, so that the policy is tested without I/O.

429 and 5xx answers and connection errors are retried with exponential backoff (capped), `Retry-After` (seconds or
an HTTP date) is honoured up to `max_delay`, and after `max_attempts` attempts the call fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime


def is_retryable(status: int) -> bool:
    """Whether an HTTP status is worth another attempt (rate limited or a server-side failure)."""
    return status == 429 or 500 <= status <= 599


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta seconds or an HTTP date), or None when absent/invalid."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    current = now or datetime.now(timezone.utc)
    return max(0.0, (when - current).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff.

    `max_attempts` counts the first attempt; the wait before attempt n+1 is `base_delay * 2**(n-1)` capped at
    `max_delay`, or the platform's `Retry-After` (also capped) when it sent one.
    """

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("delays must not be negative")

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based) before the next one."""
        if retry_after is not None:
            return min(retry_after, self.max_delay)
        return min(self.base_delay * (2 ** (attempt - 1)), self.max_delay)

    def should_retry(self, attempt: int, status: int | None) -> bool:
        """Whether to try again after attempt `attempt` ended with `status` (None = no answer, connection error)."""
        if attempt >= self.max_attempts:
            return False
        return status is None or is_retryable(status)
