"""PII redaction of free text before storage and logging (pure).

Categories, each with its own marker: emails, IBANs (ISO 13616, mod-97 checked), Luhn-valid payment cards and
phone numbers. Dates (``2026-12-07``, ``07/12/2026``, ``07.12.2026``) and order ids (``NB-123456``) are protected
first, so their digits are never taken for a phone number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

EMAIL_MARK = "[email]"
IBAN_MARK = "[iban]"
PHONE_MARK = "[phone]"
CARD_MARK = "[card]"
TRUNCATION_MARK = " …[truncated]"

# Local parts may use every character RFC 5322 allows unquoted; top-level domains may be punycode (xn--...).
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+\.[A-Za-z][A-Za-z0-9-]+")
# Country code, check digits, then 11-30 alphanumerics, optionally in groups of four separated by single spaces.
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]{1,4}){3,8}")
# What an IBAN looks like as people write it: upper-case country code, check digits, groups of four.
_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}(?:(?: [A-Z0-9]{4})+(?: [A-Z0-9]{1,3})?|[A-Z0-9]{11,30})")
# 13-19 digits, optionally grouped by single spaces or hyphens; card numbers never start with 0 and a leading +
# makes it a phone number.
_CARD = re.compile(r"(?<![\d+-])[1-9](?:[ -]?\d){12,18}(?![\d-])")
# Calendar dates: year first (2026-12-07, 2026/12/07, 2026.12.07) or day/month first (07/12/2026, 07.12.26).
_DATE = re.compile(
    r"(?<![\d./-])(?:"
    r"(?P<y1>\d{4})(?P<s1>[./-])(?P<a1>\d{1,2})(?P=s1)(?P<b1>\d{1,2})"
    r"|(?P<a2>\d{1,2})(?P<s2>[./-])(?P<b2>\d{1,2})(?P=s2)(?P<y2>\d{4}|\d{2})"
    r")(?![./-]?\d)"
)
# Order and ticket references: letters, a hyphen, digits (NB-123456).
_REFERENCE = re.compile(r"(?<![\w-])[A-Za-z]{2,5}-\d{3,}(?![\w-])")
# Handoff and message ids in log lines: a UUID's last group may be twelve digits.
_UUID = re.compile(r"(?<![\w-])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])")
# International or national numbers: optional +, 8-15 digits with spaces, dots, hyphens or parentheses.
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d{1,4}\)?(?:[ .-]?\(?\d{1,4}\)?){2,6}(?![\w])")

Span = tuple[int, int, str | None]  # start, end, replacement (None: protected, left as it is)


def luhn_valid(digits: str) -> bool:
    """Whether a digit string passes the Luhn checksum used by payment cards."""
    if not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    """Whether ``candidate`` (spaces allowed, any case) is a well-formed IBAN with a correct mod-97 check."""
    compact = candidate.replace(" ", "").upper()
    if not (15 <= len(compact) <= 34 and compact[:2].isalpha() and compact[2:4].isdigit() and compact.isalnum()):
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(char, 36)) for char in rearranged)
    return int(number) % 97 == 1


def _iban_spans(text: str, start: int, end: int) -> Iterator[Span]:
    """IBANs in ``text[start:end]``: for each candidate the longest prefix (at a group boundary) that validates."""
    position = start
    while True:
        match = _IBAN.search(text, position, end)
        if match is None:
            return
        found = None
        shaped = None
        for stop in range(match.end(), match.start() + 14, -1):
            # Only whole groups: never stop inside a run of letters and digits, never just after a space.
            if (stop < len(text) and text[stop].isalnum()) or text[stop - 1] == " ":
                continue
            candidate = text[match.start() : stop]
            if iban_valid(candidate):
                found = stop
                break
            if shaped is None and _IBAN_SHAPE.fullmatch(candidate):
                shaped = stop
        if found is not None:
            yield match.start(), found, IBAN_MARK
            position = found
        elif shaped is not None:
            # A mistyped IBAN is not an IBAN, but its digits are not a phone number either.
            yield match.start(), shaped, None
            position = shaped
        else:
            position = match.start() + 1


def _plausible_date(match: re.Match[str]) -> bool:
    first, second = (
        (match.group("a1"), match.group("b1")) if match.group("y1") else (match.group("a2"), match.group("b2"))
    )
    if _CALLING_CODE_BEFORE.search(match.string, 0, match.start()):
        return False
    a, b = int(first), int(second)
    # Either order (day/month or month/day) is accepted as long as one part is a month.
    return (1 <= a <= 12 and 1 <= b <= 31) or (1 <= a <= 31 and 1 <= b <= 12)


# A country calling code just before the digits: "+34 " or "0034-".
_CALLING_CODE_BEFORE = re.compile(r"(?:\+|\b00)\d{1,4}[ .-]?$")


def _card(match: re.Match[str]) -> str | None:
    digits = re.sub(r"\D", "", match.group(0))
    if _CALLING_CODE_BEFORE.search(match.string, 0, match.start()):
        return None
    return CARD_MARK if 13 <= len(digits) <= 19 and luhn_valid(digits) else None


def _phone(match: re.Match[str]) -> str | None:
    # "00" is the international prefix, not part of the number.
    digits = re.sub(r"\D", "", match.group(0).removeprefix("00"))
    return PHONE_MARK if 8 <= len(digits) <= 15 else None


def _regex_finder(pattern: re.Pattern[str], decide: Callable[[re.Match[str]], str | None]) -> Finder:
    def find(text: str, start: int, end: int) -> Iterator[Span]:
        for match in pattern.finditer(text, start, end):
            replacement = decide(match)
            if replacement is not None:
                yield match.start(), match.end(), replacement

    return find


def _protect(pattern: re.Pattern[str], plausible: Callable[[re.Match[str]], bool]) -> Finder:
    def find(text: str, start: int, end: int) -> Iterator[Span]:
        for match in pattern.finditer(text, start, end):
            if plausible(match):
                yield match.start(), match.end(), None

    return find


Finder = Callable[[str, int, int], Iterator[Span]]

# Earlier finders win: what they claim is not offered to later ones.
_FINDERS: tuple[Finder, ...] = (
    _regex_finder(_EMAIL, lambda _: EMAIL_MARK),
    _protect(_UUID, lambda _: True),
    _iban_spans,
    _regex_finder(_CARD, _card),
    _protect(_DATE, _plausible_date),
    _protect(_REFERENCE, lambda _: True),
    _regex_finder(_PHONE, _phone),
)


def _gaps(spans: list[Span], length: int) -> Iterator[tuple[int, int]]:
    position = 0
    for start, end, _ in sorted(spans):
        if start > position:
            yield position, start
        position = max(position, end)
    if position < length:
        yield position, length


def redact(text: str) -> str:
    """Replace emails, IBANs, Luhn-valid card numbers and phone numbers with markers; dates and order ids stay.

    Each category only looks at the text that earlier categories left unclaimed, so a card is never reported as
    a phone and the digits of a date or an ``NB-204519`` order id are never taken for one.
    """
    spans: list[Span] = []
    for finder in _FINDERS:
        found = [span for start, end in list(_gaps(spans, len(text))) for span in finder(text, start, end)]
        spans.extend(found)
    pieces: list[str] = []
    position = 0
    for start, end, replacement in sorted(spans):
        pieces.append(text[position:start])
        pieces.append(text[start:end] if replacement is None else replacement)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def redact_value(value: Any) -> Any:
    """``value`` with :func:`redact` applied to every string inside it (dict keys are kept as they are)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(item) for item in value]
    return value


def truncate(text: str, max_chars: int) -> str:
    """Cut ``text`` to at most ``max_chars`` characters, ending with a visible truncation marker."""
    if len(text) <= max_chars:
        return text
    return text[: max_chars - len(TRUNCATION_MARK)] + TRUNCATION_MARK
