"""Business hours: split shifts, midnight-crossing shifts, DST changes and holidays, at frozen instants."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handoff.routing.hours import ScheduleError, build_schedule, closes_at, is_open, next_opening, normalise_hours


def utc(text: str) -> datetime:
    """Parse an ISO instant written in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


SPLIT = build_schedule("Europe/Paris", {"mon-fri": ["08:00-12:00", "14:00-18:00"]})
NIGHT = build_schedule("America/Mexico_City", {"mon-fri": ["22:00-06:00"]})
NEW_YORK = build_schedule("America/New_York", {"daily": ["08:00-20:00"]})
NY_EARLY = build_schedule("America/New_York", {"sun": ["02:30-04:00"]})
HOLIDAY = build_schedule("Europe/Paris", {"mon-fri": ["08:00-18:00"]}, ["2026-12-25"])
ALWAYS = build_schedule("UTC", {"daily": ["00:00-24:00"]})

IS_OPEN_CASES = [
    # (schedule, instant UTC, expected, why)
    (SPLIT, "2026-11-23T07:30", True, "Monday 08:30 Paris (UTC+1): morning shift"),
    (SPLIT, "2026-11-23T11:30", False, "Monday 12:30 Paris: lunch gap between split shifts"),
    (SPLIT, "2026-11-23T13:00", True, "Monday 14:00 Paris: afternoon shift starts (inclusive)"),
    (SPLIT, "2026-11-23T17:00", False, "Monday 18:00 Paris: end is exclusive"),
    (SPLIT, "2026-11-28T09:00", False, "Saturday: no shifts"),
    (SPLIT, "2026-07-06T06:30", True, "summer Monday 08:30 Paris (UTC+2)"),
    (SPLIT, "2026-07-06T05:30", False, "summer Monday 07:30 Paris: before opening although 06:30 in UTC+1 terms"),
    (NIGHT, "2026-11-24T05:00", True, "Monday 23:00 Mexico City (UTC-6): night shift running"),
    (NIGHT, "2026-11-24T11:00", True, "Tuesday 05:00: Monday's shift still running past midnight"),
    (NIGHT, "2026-11-24T12:30", False, "Tuesday 06:30: night shift over"),
    (NIGHT, "2026-11-28T05:00", True, "Friday 23:00 local: Friday's night shift runs into Saturday"),
    (NIGHT, "2026-11-28T11:59", True, "Saturday 05:59 local: still Friday's shift"),
    (NIGHT, "2026-11-29T10:00", False, "Sunday 04:00: Saturday has no shift to spill over"),
    (NIGHT, "2026-11-23T10:00", False, "Monday 04:00: Sunday had no shift"),
    (NEW_YORK, "2026-03-08T12:30", True, "DST start day: 08:30 EDT (UTC-4)"),
    (NEW_YORK, "2026-03-08T11:30", False, "DST start day: 07:30 EDT, closed"),
    (NEW_YORK, "2026-11-01T12:30", False, "DST end day: 07:30 EST (UTC-5), closed"),
    (NEW_YORK, "2026-11-01T13:00", True, "DST end day: 08:00 EST opens"),
    (NY_EARLY, "2026-03-08T06:59", False, "02:30 does not exist on DST start: 01:59 EST is before opening"),
    (NY_EARLY, "2026-03-08T07:30", True, "02:30 in the gap is shifted to 03:30 EDT (07:30 UTC)"),
    (HOLIDAY, "2026-12-25T10:00", False, "Christmas is a holiday in the calendar"),
    (HOLIDAY, "2026-12-24T10:00", True, "the day before is a working day"),
    (ALWAYS, "2026-12-31T23:59", True, "24/7 queue at the year's last minute"),
    (ALWAYS, "2027-01-01T00:00", True, "24/7 queue at midnight"),
]


@pytest.mark.parametrize(("schedule", "instant", "expected", "why"), IS_OPEN_CASES, ids=[c[3] for c in IS_OPEN_CASES])
def test_is_open(schedule: object, instant: str, expected: bool, why: str) -> None:
    """Each row: a schedule, a frozen instant, and whether the queue is working then."""
    assert is_open(schedule, utc(instant)) is expected  # type: ignore[arg-type]


NEXT_OPENING_CASES = [
    # (schedule, instant UTC, expected opening UTC, why)
    (SPLIT, "2026-11-23T11:30", "2026-11-23T13:00", "lunch gap: afternoon shift"),
    (SPLIT, "2026-11-27T17:30", "2026-11-30T07:00", "Friday evening: Monday 08:00 Paris"),
    (SPLIT, "2026-11-23T09:00", "2026-11-23T09:00", "already open: now"),
    (SPLIT, "2026-03-27T18:00", "2026-03-30T06:00", "weekend with DST start: Monday 08:00 is UTC+2"),
    (HOLIDAY, "2026-12-24T18:00", "2026-12-28T07:00", "Christmas Friday, weekend: Monday 28th"),
    (NIGHT, "2026-11-28T12:00", "2026-12-01T04:00", "Saturday: Monday 22:00 Mexico City"),
    (NY_EARLY, "2026-03-08T05:00", "2026-03-08T07:30", "gap start time resolves after the gap"),
]


@pytest.mark.parametrize(
    ("schedule", "instant", "expected", "why"), NEXT_OPENING_CASES, ids=[c[3] for c in NEXT_OPENING_CASES]
)
def test_next_opening(schedule: object, instant: str, expected: str, why: str) -> None:
    """Each row: when the queue next opens, from a frozen instant."""
    assert next_opening(schedule, utc(instant)) == utc(expected)  # type: ignore[arg-type]


def test_closes_at_follows_midnight_crossing_shift() -> None:
    """A night shift running at 23:00 local closes at 06:00 the next local day."""
    assert closes_at(NIGHT, utc("2026-11-24T05:00")) == utc("2026-11-24T12:00")


def test_never_open_schedule_has_no_opening() -> None:
    """A queue without shifts never opens."""
    assert next_opening(build_schedule("UTC", {}), utc("2026-11-23T00:00")) is None


@pytest.mark.parametrize(
    ("hours", "field"),
    [
        ({"mon": ["8-12"]}, "hours.mon"),  # not HH:MM
        ({"funday": ["08:00-12:00"]}, "hours.funday"),  # unknown day
        ({"fri-mon": ["08:00-12:00"]}, "hours.fri-mon"),  # backwards range
        ({"mon": ["24:00-02:00"]}, "hours.mon"),  # starts at 24:00
        ({"mon": ["08:00-25:00"]}, "hours.mon"),  # hour out of range
    ],
)
def test_bad_hours_name_the_field(hours: dict[str, list[str]], field: str) -> None:
    """Invalid specifications raise ScheduleError naming the key."""
    with pytest.raises(ScheduleError) as error:
        normalise_hours(hours)
    assert error.value.field == field


def test_unknown_time_zone_is_rejected() -> None:
    """An unknown IANA zone is a ScheduleError on the timezone field."""
    with pytest.raises(ScheduleError) as error:
        build_schedule("Mars/Olympus", {})
    assert error.value.field == "timezone"


def test_ranges_expand_and_accumulate() -> None:
    """``mon-fri`` plus ``fri`` gives Friday two shifts."""
    hours = normalise_hours({"mon-fri": ["08:00-12:00"], "fri": ["13:00-15:00"]})
    assert hours["fri"] == ["08:00-12:00", "13:00-15:00"]
    assert "sat" not in hours
