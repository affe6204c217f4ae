"""Times the customer reads ("they open at ..."): in the customer's time zone when the channel or their profile
gives one, else in the queue's, always naming the zone, in the conversation language's own date and time format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import (
    format_skeleton,
    format_time,
    format_timedelta,
    get_datetime_format,
    get_timezone_location,
)

from language_registry import registry

__all__ = ["customer_zone", "format_moment", "format_wait", "parse_instant"]

UTC_NAMES = frozenset({"UTC", "Etc/UTC", "GMT", "Etc/GMT", "Z"})


def _zone(name: object) -> ZoneInfo | None:
    if not isinstance(name, str) or not name.strip() or len(name) > 64:
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


def customer_zone(customer_timezone: object, queue_timezone: object) -> ZoneInfo:
    """The customer's zone if it is a known IANA name, else the queue's, else UTC."""
    return _zone(customer_timezone) or _zone(queue_timezone) or ZoneInfo("UTC")


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant from the handoff service ("...Z" or with an offset; naive means UTC)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def babel_locale(language: str) -> str:
    """The Babel locale of ``language``'s formats (the registry's ``locale``, else the code itself)."""
    entry = registry().get(language)
    return entry.babel_locale if entry is not None else language


def zone_label(zone: ZoneInfo, language: str) -> str:
    """The zone by its city, as the language says it ("Paris Time", "hora de París", "巴黎时间"); UTC stays "UTC"."""
    if zone.key in UTC_NAMES:
        return "UTC"
    locale = Locale.parse(babel_locale(language))
    city = get_timezone_location(zone, locale=locale, return_city=True)
    return str(locale.zone_formats["region"] % city)


def format_moment(moment: datetime, language: str, zone: ZoneInfo) -> str:
    """Weekday, day, month and time in `zone`, in `language`'s formats, followed by the zone in brackets:
    "Tue, Nov 24, 4:00 PM (France Time)", "mar, 24 de noviembre, 16:00 (hora de Francia)"."""
    local = moment.astimezone(zone)
    formats = babel_locale(language)
    day = format_skeleton("MMMMEEEEd", local, tzinfo=zone, locale=formats)
    clock = format_time(local, "short", tzinfo=zone, locale=formats)
    # The language's own way of joining a date and a time ("{1}, {0}", "{1} {0}").
    joined = str(get_datetime_format("medium", locale=formats)).replace("'", "")
    text = joined.replace("{1}", day).replace("{0}", clock)
    label = zone_label(zone, language)
    entry = registry().get(language)
    return f"{text} （{label}）" if entry is not None and entry.wide_brackets else f"{text} ({label})"


def format_wait(seconds: float, language: str) -> str:
    """An expected wait as the language says it, at least a minute, in hours from an hour and a half on ("4 minutes",
    "2 horas", "ساعتان", "10小时")."""
    minutes = max(1, round(seconds / 60))
    wait = timedelta(minutes=minutes)
    return str(format_timedelta(wait, threshold=1.5, granularity="minute", locale=babel_locale(language)))
