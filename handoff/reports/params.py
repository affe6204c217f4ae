"""What a report is asked for (period, date range, time zone, grouping, filters), validated into one value."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from handoff.errors import InvalidInputError
from handoff.reports.buckets import bucket_starts, local_date
from handoff.reports.enums import Dimension, Period

MAX_DAYS = 1096
MAX_BUCKETS = 400
MAX_FILTER_VALUES = 50
# Dates outside these years are typing mistakes (and would overflow date arithmetic at the extremes).
FIRST_DATE = date(1970, 1, 1)
LAST_DATE = date(2999, 12, 31)
# Without ``from``, a report covers this many days up to ``to``: about 30 days, 12 weeks or 12 months.
DEFAULT_SPAN_DAYS = {Period.DAY: 29, Period.WEEK: 83, Period.MONTH: 364}


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    """The IANA zone names this machine knows (read once: it scans the zone database)."""
    return frozenset(available_timezones()) | {"UTC"}


def parse_zone(name: str) -> ZoneInfo:
    """An IANA zone such as ``Europe/Paris``; anything else is a 422 naming the field."""
    if name not in _zone_names():
        raise InvalidInputError("tz", f"unknown IANA time zone {name!r} (for example Europe/Paris or UTC)")
    return ZoneInfo(name)


@dataclass(frozen=True)
class ReportQuery:
    """A validated report request; dates are local dates in ``zone``, both ends included."""

    period: Period
    first_day: date
    last_day: date
    zone: ZoneInfo
    group_by: Dimension | None = None
    filters: Mapping[Dimension, frozenset[str]] = field(default_factory=dict)

    @property
    def tz_name(self) -> str:
        """The zone's IANA name."""
        return self.zone.key

    def includes(self, instant: datetime) -> bool:
        """Whether ``instant`` falls on a local date of the report."""
        return self.first_day <= local_date(instant, self.zone) <= self.last_day

    def matches(self, values: Mapping[Dimension, str | None]) -> bool:
        """Whether a row with these dimension values passes every filter."""
        return all(values.get(dimension) in allowed for dimension, allowed in self.filters.items())


def _values(raw: Iterable[str]) -> frozenset[str]:
    """Filter values given repeated (``language=es&language=fr``) or comma-separated (``language=es,fr``)."""
    return frozenset(part.strip() for item in raw for part in item.split(",") if part.strip())


def build_query(
    *,
    period: Period,
    first_day: date | None,
    last_day: date | None,
    tz: str,
    group_by: Dimension | None,
    filters: Mapping[Dimension, Iterable[str]],
    now: datetime,
    allowed_dimensions: frozenset[Dimension] | None = None,
) -> ReportQuery:
    """Validate a request: a known zone, ``from <= to``, a bounded range and number of buckets, known dimensions.

    Defaults: ``to`` is today in the zone, ``from`` goes back ``DEFAULT_SPAN_DAYS`` for the period.
    """
    zone = parse_zone(tz)
    for name, value in (("from", first_day), ("to", last_day)):
        if value is not None and not FIRST_DATE <= value <= LAST_DATE:
            raise InvalidInputError(name, f"must lie between {FIRST_DATE.isoformat()} and {LAST_DATE.isoformat()}")
    last = last_day or local_date(now, zone)
    first = first_day or last - timedelta(days=DEFAULT_SPAN_DAYS[period])
    if first > last:
        raise InvalidInputError("from", f"{first.isoformat()} is after to={last.isoformat()}")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInputError("from", f"a report covers at most {MAX_DAYS} days")
    if len(bucket_starts(first, last, period)) > MAX_BUCKETS:
        raise InvalidInputError("period", f"more than {MAX_BUCKETS} {period.value}s: choose a longer period")
    chosen: dict[Dimension, frozenset[str]] = {}
    for dimension, raw in filters.items():
        values = _values(raw)
        if not values:
            continue
        if len(values) > MAX_FILTER_VALUES:
            raise InvalidInputError(dimension.value, f"at most {MAX_FILTER_VALUES} values")
        chosen[dimension] = values
    if allowed_dimensions is not None:
        asked = [*chosen, *([group_by] if group_by is not None else [])]
        for dimension in asked:
            if dimension not in allowed_dimensions:
                names = ", ".join(sorted(d.value for d in allowed_dimensions))
                raise InvalidInputError(dimension.value, f"this report is grouped and filtered only by {names}")
    return ReportQuery(period, first, last, zone, group_by, chosen)
