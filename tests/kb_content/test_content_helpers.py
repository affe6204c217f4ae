"""The helpers the content rules rely on: number extraction and question normalisation."""

from __future__ import annotations

import pytest

from tests.kb_content.content import normalise, numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("US$4.99", {"4.99"}),  # English decimal point
        ("4,99 USD", {"4.99"}),  # decimal comma (es, pt, fr)
        ("US$1,000 / 1.000 USD / 1 000 USD", {"1000"}),  # thousands separators of each language
        ("1\u00a0000 USD", {"1000"}),  # French non-breaking space
        ("08:00–20:00", {"8", "20"}),  # full hours: the minutes are dropped
        ("de 8 h à 18 h", {"8", "18"}),  # French hours
        ("das 08h às 20h", {"8", "20"}),  # Portuguese hours
        ("24/7", {"24", "7"}),
        ("order NB-123456", {"123456"}),
        ("see https://help.nimbus.example/a1b2 now", set()),  # links are not facts
        ("3–5 个工作日", {"3", "5"}),  # Chinese text with ASCII digits
        ("1. Go to your account\n2. Select 30 days", {"30"}),  # numbered-list items are not facts
    ],
)
def test_numbers_normalises_separators_and_hours(text: str, expected: set[str]) -> None:
    """Numbers written the way each language writes them compare equal."""
    assert expected == numbers(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("¿Cuándo llega mi paquete?", "cuando llega mi paquete"),  # accents and Spanish marks
        ("Où est   mon colis ?", "ou est mon colis"),  # spaces collapse
        ("أين طلبي؟", "اين طلبي"),  # hamza forms and Arabic question mark
        ("مُلَخَّص", "ملخص"),  # Arabic short vowels
        ("我的包裹什么时候到？", "我的包裹什么时候到"),  # full-width punctuation
    ],
)
def test_normalise_ignores_case_accents_and_punctuation(text: str, expected: str) -> None:
    """Near-identical questions normalise to the same text."""
    assert expected == normalise(text)
