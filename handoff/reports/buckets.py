"""Local-date bucketing: a UTC instant belongs to the day, ISO week or month of its date in the report's zone.

Buckets are computed in Python with ``zoneinfo`` so that days of 23 or 25 hours (DST changes) are cut at local
midnight on every database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handoff.reports.enums import Period


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    """The date of ``instant`` on a wall clock in ``zone`` (naive instants are UTC)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(zone).date()


def bucket_of(day: date, period: Period) -> date:
    """The first date of the bucket holding ``day``: itself, the Monday of its week, or the 1st of its month."""
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    if period is Period.MONTH:
        return day.replace(day=1)
    return day


def next_bucket(start: date, period: Period) -> date:
    """The first date of the bucket after the one starting at ``start``."""
    if period is Period.WEEK:
        return start + timedelta(days=7)
    if period is Period.MONTH:
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start + timedelta(days=1)


def bucket_starts(first_day: date, last_day: date, period: Period) -> list[date]:
    """Every bucket that holds a date of ``first_day..last_day`` (inclusive), in order."""
    starts: list[date] = []
    current = bucket_of(first_day, period)
    while current <= last_day:
        starts.append(current)
        current = next_bucket(current, period)
    return starts


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) of ``day`` in ``zone``; a midnight skipped by DST maps to the moment of the jump."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def utc_window(first_day: date, last_day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """A UTC range that surely covers the local dates ``first_day..last_day``, for a coarse database filter.

    One extra day on each side absorbs any zone offset; the exact cut is made afterwards by ``local_date``.
    """
    return (
        local_midnight(first_day, zone) - timedelta(days=1),
        local_midnight(last_day + timedelta(days=1), zone) + timedelta(days=1),
    )
