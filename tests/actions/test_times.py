"""Times the customer reads: their zone (else the queue's, else UTC), the zone always named, each language's own
date and time format. (English times carry CLDR's narrow no-break space before AM/PM: "\u202f".)"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from actions.times import customer_zone, format_moment, format_wait, parse_instant

# Tuesday 24 November 2026, 08:00 UTC.
MOMENT = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("customer", "queue", "expected"),
    [
        ("America/Sao_Paulo", "Europe/Paris", "America/Sao_Paulo"),  # the customer's zone first
        (None, "Europe/Paris", "Europe/Paris"),  # else the queue's
        ("Mars/Olympus_Mons", "Asia/Shanghai", "Asia/Shanghai"),  # an unknown name is no zone
        ("", None, "UTC"),  # nothing known
        ("../../etc/passwd", None, "UTC"),  # customer-entered text never reaches the file system as a path
    ],
)
def test_customer_zone(customer: str | None, queue: str | None, expected: str) -> None:
    """Which zone a time is told in."""
    assert customer_zone(customer, queue).key == expected


@pytest.mark.parametrize(
    ("language", "zone", "expected"),
    [
        ("en", "Europe/Paris", "Tue, November 24, 9:00\u202fAM (Paris Time)"),
        ("es", "America/Mexico_City", "mar, 24 de noviembre, 2:00 (hora de Ciudad de México)"),
        ("pt", "America/Sao_Paulo", "ter., 24 de novembro 05:00 (Horário São Paulo)"),
        ("fr", "Europe/Paris", "mar. 24 novembre, 09:00 (heure : Paris)"),
        ("ar", "Asia/Dubai", "الثلاثاء، 24 نوفمبر، 12:00 م (توقيت دبي)"),
        ("zh", "Asia/Shanghai", "11月24日周二 16:00 （上海时间）"),
        ("en", "UTC", "Tue, November 24, 8:00\u202fAM (UTC)"),  # UTC is named as such, not "Unknown Region"
    ],
)
def test_format_moment(language: str, zone: str, expected: str) -> None:
    """The moment in the zone, in the language's format, with the zone named."""
    assert format_moment(MOMENT, language, customer_zone(zone, None)) == expected


def test_day_follows_the_zone() -> None:
    """Late evening UTC is already the next morning in Shanghai: the weekday and date are the local ones."""
    assert format_moment(parse_instant("2026-11-23T23:30:00Z"), "en", customer_zone("Asia/Shanghai", None)) == (
        "Tue, November 24, 7:30\u202fAM (Shanghai Time)"
    )


def test_naive_instants_are_utc() -> None:
    """The service's ISO instants without an offset are UTC."""
    assert parse_instant("2026-11-24T08:00:00") == MOMENT


@pytest.mark.parametrize(
    ("seconds", "language", "expected"),
    [
        (0, "en", "1 minute"),  # never "0 minutes": someone is about to answer
        (250, "es", "4 minutos"),
        (3000, "fr", "50 minutes"),
        (5400, "pt", "2 horas"),  # from an hour and a half on, in hours
        (7200, "ar", "ساعتان"),  # Arabic's dual
        (36000, "zh", "10小时"),
    ],
)
def test_format_wait(seconds: float, language: str, expected: str) -> None:
    """An expected wait in the language's words, in minutes or hours."""
    assert expected == format_wait(seconds, language)
