"""The pure parts of the reports: local-date buckets across DST changes and period boundaries, request validation,
nearest-rank percentiles, CSV cells."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handoff.errors import InvalidInputError
from handoff.reports.buckets import bucket_of, bucket_starts, local_date, local_midnight, next_bucket, utc_window
from handoff.reports.csv_export import cell, neutralise, to_csv
from handoff.reports.enums import Dimension, Period
from handoff.reports.params import build_query
from handoff.reports.stats import mean, percentile, ratio
from handoff.reports.table import Table

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
SANTIAGO = ZoneInfo("America/Santiago")


@pytest.mark.parametrize(
    ("instant", "zone", "expected"),
    [
        # Paris, end of summer time on Sunday 2026-10-25 at 01:00 UTC: that local day lasts 25 hours.
        ("2026-10-24T21:59:59", PARIS, date(2026, 10, 24)),  # 23:59:59 CEST
        ("2026-10-24T22:00:00", PARIS, date(2026, 10, 25)),  # 00:00 CEST
        ("2026-10-25T00:30:00", PARIS, date(2026, 10, 25)),  # 02:30 CEST, before the change
        ("2026-10-25T01:30:00", PARIS, date(2026, 10, 25)),  # 02:30 CET, the same wall time again
        ("2026-10-25T22:59:59", PARIS, date(2026, 10, 25)),  # 23:59:59 CET
        ("2026-10-25T23:00:00", PARIS, date(2026, 10, 26)),  # 00:00 CET
        # New York, start of summer time on Sunday 2026-03-08: that local day lasts 23 hours.
        ("2026-03-08T04:59:59", NEW_YORK, date(2026, 3, 7)),  # 23:59:59 EST
        ("2026-03-08T05:00:00", NEW_YORK, date(2026, 3, 8)),  # 00:00 EST
        ("2026-03-09T03:59:59", NEW_YORK, date(2026, 3, 8)),  # 23:59:59 EDT
        ("2026-03-09T04:00:00", NEW_YORK, date(2026, 3, 9)),  # 00:00 EDT
    ],
)
def test_local_date_follows_the_wall_clock(instant: str, zone: ZoneInfo, expected: date) -> None:
    """An instant belongs to the date a clock in the zone shows."""
    assert expected == local_date(datetime.fromisoformat(instant).replace(tzinfo=UTC), zone)


@pytest.mark.parametrize(
    ("day", "zone", "hours"),
    [
        (date(2026, 10, 25), PARIS, 25),
        (date(2026, 3, 29), PARIS, 23),
        (date(2026, 3, 8), NEW_YORK, 23),
        (date(2026, 11, 1), NEW_YORK, 25),
        (date(2026, 9, 6), SANTIAGO, 23),  # clocks jump from 00:00 to 01:00: this day has no midnight
        (date(2026, 6, 1), PARIS, 24),
    ],
)
def test_local_days_are_cut_at_local_midnight(day: date, zone: ZoneInfo, hours: int) -> None:
    """The first instant of a day and of the next are ``hours`` apart; both map back to their own dates."""
    start, end = local_midnight(day, zone), local_midnight(day + timedelta(days=1), zone)
    assert hours * 3600 == (end - start).total_seconds()
    assert local_date(start, zone) == day
    assert local_date(start - timedelta(microseconds=1), zone) == day - timedelta(days=1)


@pytest.mark.parametrize(
    ("day", "period", "start", "following"),
    [
        (date(2026, 10, 25), Period.DAY, date(2026, 10, 25), date(2026, 10, 26)),
        (date(2026, 10, 25), Period.WEEK, date(2026, 10, 19), date(2026, 10, 26)),  # Sunday -> its Monday
        (date(2026, 10, 26), Period.WEEK, date(2026, 10, 26), date(2026, 11, 2)),  # Monday starts a week
        (date(2027, 1, 1), Period.WEEK, date(2026, 12, 28), date(2027, 1, 4)),  # weeks cross the year
        (date(2026, 12, 31), Period.MONTH, date(2026, 12, 1), date(2027, 1, 1)),  # December -> January
        (date(2028, 2, 29), Period.MONTH, date(2028, 2, 1), date(2028, 3, 1)),  # leap day
    ],
)
def test_buckets(day: date, period: Period, start: date, following: date) -> None:
    """The bucket of a date and the one after it."""
    assert (start, following) == (bucket_of(day, period), next_bucket(bucket_of(day, period), period))


def test_bucket_starts_cover_partial_buckets_at_both_ends() -> None:
    """A range from Saturday to the next Monday touches three ISO weeks."""
    assert bucket_starts(date(2026, 10, 24), date(2026, 11, 2), Period.WEEK) == [
        date(2026, 10, 19),
        date(2026, 10, 26),
        date(2026, 11, 2),
    ]


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)),
    st.sampled_from(["Europe/Paris", "America/New_York", "America/Santiago", "Asia/Kolkata", "Pacific/Chatham"]),
    st.sampled_from(list(Period)),
)
def test_every_instant_is_in_exactly_one_bucket_inside_the_utc_window(
    naive: datetime, zone_name: str, period: Period
) -> None:
    """Property: an instant's bucket holds its local date, and the coarse UTC window around that date holds it."""
    zone, instant = ZoneInfo(zone_name), naive.replace(tzinfo=UTC)
    day = local_date(instant, zone)
    start = bucket_of(day, period)
    assert start <= day < next_bucket(start, period)
    low, high = utc_window(day, day, zone)
    assert low <= instant < high


def query(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "period": Period.DAY,
        "first_day": None,
        "last_day": None,
        "tz": "Europe/Paris",
        "group_by": None,
        "filters": {},
        "now": datetime(2026, 10, 25, 23, 30, tzinfo=UTC),
    }
    return {**base, **overrides}


def test_default_range_ends_today_in_the_zone() -> None:
    """At 23:30 UTC on the 25th it is already the 26th in Paris: the default range ends there, 30 days long."""
    built = build_query(**query())  # type: ignore[arg-type]
    assert (built.first_day, built.last_day) == (date(2026, 9, 27), date(2026, 10, 26))
    assert build_query(**query(tz="UTC")).last_day == date(2026, 10, 25)  # type: ignore[arg-type]


def test_filters_split_commas_and_drop_empty_values() -> None:
    """``language=es,fr`` and ``language=es&language=fr`` mean the same; an empty value filters nothing."""
    built = build_query(**query(filters={Dimension.LANGUAGE: ["es,fr", " "], Dimension.QUEUE: [""]}))  # type: ignore[arg-type]
    assert dict(built.filters) == {Dimension.LANGUAGE: frozenset({"es", "fr"})}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"tz": "Europe/Atlantis"}, "tz"),
        ({"tz": "/etc/localtime"}, "tz"),
        ({"first_day": date(2026, 10, 27), "last_day": date(2026, 10, 26)}, "from"),
        ({"period": Period.WEEK, "first_day": date(2015, 1, 1), "last_day": date(2026, 1, 1)}, "from"),
        ({"filters": {Dimension.AGENT: [",".join(f"a{i}" for i in range(51))]}}, "agent"),
        ({"group_by": Dimension.QUEUE, "allowed_dimensions": frozenset({Dimension.LANGUAGE})}, "queue"),
    ],
)
def test_invalid_requests_name_the_field(overrides: dict[str, object], field: str) -> None:
    """Each invalid request raises ``InvalidInputError`` for the field to fix."""
    with pytest.raises(InvalidInputError) as raised:
        build_query(**query(**overrides))  # type: ignore[arg-type]
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([], 0.5, None),
        ([7.0], 0.9, 7.0),
        ([40.0, 90.0], 0.5, 40.0),  # rank ceil(1.0) = 1
        ([40.0, 90.0], 0.9, 90.0),  # rank ceil(1.8) = 2
        ([200.0, 10.0, 30.0], 0.5, 30.0),  # unsorted input, rank 2
        ([float(v) for v in range(1, 11)], 0.9, 9.0),  # rank 9 of 10
        ([float(v) for v in range(1, 11)], 0.5, 5.0),
    ],
)
def test_nearest_rank_percentile(values: list[float], fraction: float, expected: float | None) -> None:
    """Always an observed value, so a figure can be found in the rows."""
    assert expected == percentile(values, fraction)


def test_mean_and_ratio_are_unknown_without_data() -> None:
    """No data is None (unknown), never zero."""
    assert (mean([]), ratio(0, 0), mean([5, 2, 4]), ratio(2, 3)) == (None, None, 3.67, 0.6667)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-1+2", "'-1+2"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("es", "es"),
        ("a=b", "a=b"),
        (None, ""),
        (True, "true"),
        (3, "3"),
        (0.6667, "0.6667"),
    ],
)
def test_csv_cells(value: object, expected: str) -> None:
    """Text that a spreadsheet would evaluate is prefixed; numbers and unknowns are plain."""
    assert expected == cell(value)


def test_csv_quotes_commas_and_newlines() -> None:
    """RFC 4180 quoting, CRLF line ends, the header first."""
    table = Table("x", ("a", "b"), [{"a": "x,y", "b": 'say "hi"\n'}, {"a": neutralise("=1"), "b": None}])
    assert to_csv(table) == 'a,b\r\n"x,y","say ""hi""\n"\r\n\'=1,\r\n'


def test_a_handoff_before_the_range_does_not_mark_a_conversation_in_the_same_week() -> None:
    """Range Wednesday to Sunday by week: a handoff of the conversation on Tuesday (same ISO week, before the range)
    does not make Wednesday's conversation "handed off"; one on Thursday does."""
    from handoff.reports.bot_facts import BotRecord, Kind
    from handoff.reports.bot_tables import conversations_table

    wednesday = datetime(2026, 10, 28, 12, tzinfo=UTC)
    records = [BotRecord("c1", wednesday, Kind.MESSAGE, "en", "rest", "greet")]
    built = build_query(**query(period=Period.WEEK, first_day=date(2026, 10, 28), last_day=date(2026, 11, 1)))  # type: ignore[arg-type]
    tuesday, thursday = wednesday - timedelta(days=1), wednesday + timedelta(days=1)
    before = conversations_table(records, [("c1", tuesday)], built).rows[0]
    during = conversations_table(records, [("c1", thursday)], built).rows[0]
    assert (before["conversations"], before["handed_off"], during["handed_off"]) == (1, 0, 1)
