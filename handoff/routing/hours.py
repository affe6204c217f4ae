"""Business hours in a queue's own time zone: split shifts, midnight-crossing shifts, DST and holidays.

Pure functions over plain data. A schedule maps a weekday (``mon`` .. ``sun``) to shifts written
``"HH:MM-HH:MM"``; ``24:00`` is the end of the day and a shift whose end is not after its start
crosses midnight and belongs to the day it starts on. A holiday closes every shift that *starts* on
that local date. Wall-clock times are interpreted in the queue's IANA time zone, so a 08:00 opening
stays 08:00 local across DST changes; a wall time inside a spring-forward gap is shifted
forward by the gap's length.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MINUTES_PER_DAY = 24 * 60


class ScheduleError(ValueError):
    """A business-hours specification cannot be parsed; ``field`` names the offending key."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True, slots=True)
class Shift:
    """One working period; ``end_minute`` may exceed 1440 when the shift crosses midnight."""

    start_minute: int
    end_minute: int


@dataclass(frozen=True, slots=True)
class Schedule:
    """Weekly shifts (index 0 = Monday), a time zone and closed local dates."""

    timezone: str
    shifts: tuple[tuple[Shift, ...], ...]
    holidays: frozenset[date] = frozenset()

    @property
    def zone(self) -> ZoneInfo:
        """The schedule's time zone."""
        return ZoneInfo(self.timezone)


def _parse_clock(field: str, text: str) -> int:
    try:
        hours_text, minutes_text = text.strip().split(":")
        hours, minutes = int(hours_text), int(minutes_text)
    except ValueError as e:
        raise ScheduleError(field, f"bad time {text!r}, expected HH:MM") from e
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        raise ScheduleError(field, f"bad time {text!r}")
    return hours * 60 + minutes


def parse_shift(field: str, text: str) -> Shift:
    """Parse ``"HH:MM-HH:MM"``; an end at or before the start means the shift ends the next day."""
    try:
        start_text, end_text = text.split("-")
    except ValueError as e:
        raise ScheduleError(field, f"bad shift {text!r}, expected HH:MM-HH:MM") from e
    start, end = _parse_clock(field, start_text), _parse_clock(field, end_text)
    if start >= _MINUTES_PER_DAY:
        raise ScheduleError(field, f"shift {text!r} starts at 24:00")
    if end <= start:
        end += _MINUTES_PER_DAY
    return Shift(start, end)


def _expand_days(field: str, key: str) -> list[int]:
    key = key.strip().lower()
    if key in ("daily", "all", "mon-sun"):
        return list(range(7))
    if "-" in key:
        first, last = key.split("-", 1)
        if first not in WEEKDAYS or last not in WEEKDAYS:
            raise ScheduleError(field, f"unknown day range {key!r}")
        start, stop = WEEKDAYS.index(first), WEEKDAYS.index(last)
        if stop < start:
            raise ScheduleError(field, f"day range {key!r} runs backwards")
        return list(range(start, stop + 1))
    if key not in WEEKDAYS:
        raise ScheduleError(field, f"unknown day {key!r}")
    return [WEEKDAYS.index(key)]


def normalise_hours(spec: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Expand day ranges (``mon-fri``, ``daily``) into one entry per weekday, validating every shift.

    Later keys add shifts to the days they name, so ``{"mon-fri": [...], "sat": [...]}`` works.
    """
    result: dict[str, list[str]] = {day: [] for day in WEEKDAYS}
    for key, shifts in spec.items():
        field = f"hours.{key}"
        if isinstance(shifts, str):
            shifts = [shifts]
        for text in shifts:
            parse_shift(field, text)
        for day_index in _expand_days(field, key):
            result[WEEKDAYS[day_index]].extend(shifts)
    return {day: shifts for day, shifts in result.items() if shifts}


def build_schedule(timezone: str, hours: Mapping[str, Sequence[str]], holidays: Iterable[str | date] = ()) -> Schedule:
    """Build a :class:`Schedule` from stored data (``hours`` as produced by :func:`normalise_hours`)."""
    try:
        ZoneInfo(timezone)
    except (KeyError, ValueError) as e:
        raise ScheduleError("timezone", f"unknown time zone {timezone!r}") from e
    normalised = normalise_hours(hours)
    shifts = tuple(
        tuple(
            sorted(
                (parse_shift(f"hours.{day}", text) for text in normalised.get(day, [])), key=lambda s: s.start_minute
            )
        )
        for day in WEEKDAYS
    )
    closed = frozenset(d if isinstance(d, date) else date.fromisoformat(d) for d in holidays)
    return Schedule(timezone=timezone, shifts=shifts, holidays=closed)


def _wall_to_utc(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of local wall time ``day`` + ``minute``.

    Ambiguous times (fall back) take the first occurrence; times inside a spring-forward gap are
    shifted forward by the gap's length (02:30 becomes 03:30), as calendar applications do.
    """
    naive = datetime.combine(day, time(0)) + timedelta(minutes=minute)
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC)


def _shift_interval(schedule: Schedule, day: date, shift: Shift) -> tuple[datetime, datetime]:
    zone = schedule.zone
    return _wall_to_utc(day, shift.start_minute, zone), _wall_to_utc(day, shift.end_minute, zone)


def _shifts_on(schedule: Schedule, day: date) -> tuple[Shift, ...]:
    if day in schedule.holidays:
        return ()
    return schedule.shifts[day.weekday()]


def is_open(schedule: Schedule, at: datetime) -> bool:
    """Whether the queue is working at instant ``at`` (aware datetime)."""
    local_day = at.astimezone(schedule.zone).date()
    for day in (local_day - timedelta(days=1), local_day):
        for shift in _shifts_on(schedule, day):
            start, end = _shift_interval(schedule, day, shift)
            if start <= at < end:
                return True
    return False


def next_opening(schedule: Schedule, at: datetime, horizon_days: int = 400) -> datetime | None:
    """The instant the queue is next open at or after ``at``; ``at`` itself when open now; None if never."""
    if is_open(schedule, at):
        return at
    local_day = at.astimezone(schedule.zone).date()
    for offset in range(horizon_days + 1):
        day = local_day + timedelta(days=offset)
        for shift in _shifts_on(schedule, day):
            start, end = _shift_interval(schedule, day, shift)
            if start >= at and end > start:
                return start
    return None


def closes_at(schedule: Schedule, at: datetime) -> datetime | None:
    """When the shift running at ``at`` ends (None when closed now)."""
    local_day = at.astimezone(schedule.zone).date()
    latest: datetime | None = None
    for day in (local_day - timedelta(days=1), local_day):
        for shift in _shifts_on(schedule, day):
            start, end = _shift_interval(schedule, day, shift)
            if start <= at < end and (latest is None or end > latest):
                latest = end
    return latest
