"""Redaction invariants, by property: dates and order ids survive, every valid IBAN, card, email and phone goes."""

from __future__ import annotations

import string
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from handoff.domain.redaction import (
    CARD_MARK,
    EMAIL_MARK,
    IBAN_MARK,
    PHONE_MARK,
    iban_valid,
    luhn_valid,
    redact,
    redact_value,
)

dates = st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31))
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%Y", "%d/%m/%y"]
SENTENCES = ["delivered on {} as promised", "{}", "entre el {} y mañana", "期限は{}です", "({})"]


def _with_iban_check(country: str, bban: str) -> str:
    """An IBAN with correct check digits for ``country`` and ``bban`` (ISO 13616)."""
    rearranged = bban + country + "00"
    check = 98 - int("".join(str(int(c, 36)) for c in rearranged)) % 97
    return f"{country}{check:02d}{bban}"


ibans = st.builds(
    _with_iban_check,
    st.sampled_from(["ES", "DE", "FR", "GB", "NL", "PT", "IT", "BE"]),
    st.text(alphabet=string.digits + string.ascii_uppercase, min_size=11, max_size=30),
)


@given(dates, st.sampled_from(DATE_FORMATS), st.sampled_from(SENTENCES))
def test_dates_are_never_redacted(day: date, fmt: str, sentence: str) -> None:
    """A calendar date in any common format, alone or in a sentence, comes out exactly as it went in."""
    text = sentence.format(day.strftime(fmt))
    assert text == redact(text)


@given(dates, st.integers(min_value=0, max_value=23), st.integers(min_value=0, max_value=59))
def test_date_and_time_stay(day: date, hour: int, minute: int) -> None:
    """``2026-12-07 10:30``: neither the date nor the time becomes a phone number."""
    text = f"cita el {day:%Y-%m-%d} {hour:02d}:{minute:02d}"
    assert text == redact(text)


@given(st.integers(min_value=0, max_value=999_999_999), st.sampled_from(["NB", "ORD", "RMA", "nb"]))
def test_order_ids_stay(number: int, prefix: str) -> None:
    """Order references like ``NB-123456`` (any length of digits) are not phones or cards."""
    text = f"order {prefix}-{number:06d} is late"
    assert text == redact(text)


@given(st.uuids())
def test_uuids_stay(value: object) -> None:
    """Handoff ids in log lines are never taken for phone numbers, even when a group is all digits."""
    text = f"handoff {value}: closed"
    assert text == redact(text)


@given(ibans, st.booleans())
def test_every_valid_iban_is_redacted_as_iban(iban: str, grouped: bool) -> None:
    """A mod-97-valid IBAN, compact or in groups of four, becomes the IBAN marker and nothing else."""
    assert iban_valid(iban)
    shown = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)) if grouped else iban
    assert f"mi cuenta {IBAN_MARK}, gracias" == redact(f"mi cuenta {shown}, gracias")


@given(ibans)
def test_an_iban_with_a_wrong_check_is_not_an_iban(iban: str) -> None:
    """Changing one check digit breaks mod-97: not reported as an IBAN (and never as a phone number)."""
    wrong = iban[:2] + f"{(int(iban[2:4]) + 1) % 100:02d}" + iban[4:]
    assert not iban_valid(wrong)
    assert IBAN_MARK not in redact(wrong)
    assert PHONE_MARK not in redact(" ".join(wrong[i : i + 4] for i in range(0, len(wrong), 4)))


@given(
    st.sampled_from("123456789"),
    st.text(alphabet=string.digits, min_size=11, max_size=17),
    st.sampled_from([" ", "-", ""]),
)
def test_every_luhn_valid_card_is_redacted(first: str, rest: str, separator: str) -> None:
    """Any 13-19 digit Luhn-valid number (cards never start with 0), grouped in fours by spaces, hyphens or not at
    all, is a card."""
    number = next(first + rest + d for d in string.digits if luhn_valid(first + rest + d))
    shown = separator.join(number[i : i + 4] for i in range(0, len(number), 4))
    assert f"pay {CARD_MARK} ok" == redact(f"pay {shown} ok")


@given(st.emails())
def test_every_email_is_redacted(email: str) -> None:
    """Any address Hypothesis can build is replaced, with the words around it kept."""
    assert EMAIL_MARK in redact(f"write to {email} please")
    assert "@" not in redact(f"write to {email} please")


@given(
    st.sampled_from(["+34", "+52", "+1", "+33", "0034", "+86", "+971"]),
    st.lists(st.text(alphabet=string.digits, min_size=2, max_size=4), min_size=3, max_size=4),
    st.sampled_from([" ", "-", "."]),
)
def test_every_international_phone_is_redacted(country: str, groups: list[str], separator: str) -> None:
    """``+CC`` and 8-15 digits in groups: the phone marker."""
    digits = country.lstrip("+").removeprefix("00") + "".join(groups)
    assume(8 <= len(digits) <= 15)
    assert f"llámame al {PHONE_MARK} hoy" == redact(f"llámame al {country} {separator.join(groups)} hoy")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IBAN ES91 2100 0418 4502 0005 1332 y fecha 07/12/2026", f"IBAN {IBAN_MARK} y fecha 07/12/2026"),
        ("GB82WEST12345698765432", IBAN_MARK),  # compact, letters in the bank code
        ("ES91 2100 0418 4502 0005 1333", "ES91 2100 0418 4502 0005 1333"),  # wrong check: left, not a phone
        ("2026-12-07 +34 612 345 678", f"2026-12-07 {PHONE_MARK}"),  # date protected, phone after it still found
        ("06.12.34.56.78", PHONE_MARK),  # French phone with dots is not a date
        ("order NB-12345678", "order NB-12345678"),  # eight-digit order id is not a phone
        ("id 123e4567-e89b-12d3-a456-426614174000", "id 123e4567-e89b-12d3-a456-426614174000"),  # digit-only group
    ],
)
def test_examples(text: str, expected: str) -> None:
    """Hand-picked rows around the categories' borders."""
    assert expected == redact(text)


def test_redact_value_walks_slots_and_profiles() -> None:
    """Every string inside nested slots is redacted; keys, numbers and booleans are kept."""
    slots = {"email": "a@b.co", "notes": ["iban DE89370400440532013000", 3], "vip": True, "order_id": "NB-123456"}
    assert {
        "email": EMAIL_MARK,
        "notes": [f"iban {IBAN_MARK}", 3],
        "vip": True,
        "order_id": "NB-123456",
    } == redact_value(slots)
