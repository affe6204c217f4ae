"""PII redaction (emails, phones, Luhn-valid cards) and truncation, as pure functions and through the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from handoff.main import create_app
from handoff.services.redaction import CARD_MARK, TRUNCATION_MARK, luhn_valid, redact, truncate
from handoff.settings import Settings
from tests.handoff.testkit import SERVICE, FrozenClock, RasaStandIn, handoff_body, port_factory

CASES = [
    # (text, expected, why)
    ("write to ana.lopez+shop@example.com.mx", "write to [email]", "email with plus and sub-domain"),
    ("card 4111 1111 1111 1111 please", "card [card] please", "Visa test number, grouped by spaces"),
    ("4111-1111-1111-1112", "4111-1111-1111-1112", "fails Luhn: not a card (and hyphen-grouped, not a phone)"),
    ("my number is +52 55 1234 5678", "my number is [phone]", "international phone"),
    ("call (555) 123-4567 now", "call [phone] now", "US national format"),
    ("llámame al 612 34 56 78", "llámame al [phone]", "Spanish mobile"),
    ("order NB-204519 arrived", "order NB-204519 arrived", "order ids are not phones"),
    ("in 2026 I paid 49.99", "in 2026 I paid 49.99", "years and prices stay"),
    ("5500 0000 0000 0004 y a@b.co", "[card] y [email]", "Mastercard and email together"),
    ("电话 13812345678", "电话 [phone]", "Chinese mobile next to CJK text"),
]


@pytest.mark.parametrize(("text", "expected", "why"), CASES, ids=[c[2] for c in CASES])
def test_redact(text: str, expected: str, why: str) -> None:
    """Each row: input text and its redacted form."""
    assert expected == redact(text)


def _luhn_complete(prefix: str) -> str:
    for check in "0123456789":
        if luhn_valid(prefix + check):
            return prefix + check
    raise AssertionError("unreachable")


@given(st.text(alphabet="0123456789", min_size=12, max_size=18))
def test_every_luhn_valid_card_number_is_redacted(prefix: str) -> None:
    """Any 13–19 digit Luhn-valid number, grouped in fours, becomes the card marker."""
    number = _luhn_complete(prefix)
    grouped = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    assert f"pay {CARD_MARK} ok" == redact(f"pay {grouped} ok")


@given(st.text(max_size=300), st.integers(min_value=16, max_value=200))
def test_truncate_never_exceeds_limit_and_marks(text: str, limit: int) -> None:
    """Truncated text fits the limit and ends with the marker; short text is unchanged."""
    result = truncate(text, limit)
    assert len(result) <= limit
    assert result == text if len(text) <= limit else result.endswith(TRUNCATION_MARK)


def test_api_redacts_before_storage_when_configured(tmp_path: Path, rasa: RasaStandIn, clock: FrozenClock) -> None:
    """With HANDOFF_REDACT_PII the stored transcript and relayed messages hold markers, not the PII."""
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'r.sqlite3'}",
        var_dir=tmp_path,
        service_key="test-service-key",
        admin_token="a" * 20,
        delivery_interval_seconds=0,
        redact_pii=True,
    )
    with TestClient(create_app(settings, clock=clock, delivery_port_factory=port_factory(rasa))) as client:
        body = handoff_body(transcript=[{"role": "customer", "text": "soy ana@example.com, tarjeta 4111111111111111"}])
        created = client.post("/api/v1/handoffs", json=body, headers=SERVICE).json()
        client.post(
            f"/api/v1/handoffs/{created['id']}/messages",
            json={"message_id": "m1", "text": "mi tel +34 612 345 678"},
            headers=SERVICE,
        )
        texts = [m["text"] for m in client.get(f"/api/v1/handoffs/{created['id']}", headers=SERVICE).json()["messages"]]
    assert texts == ["soy [email], tarjeta [card]", "mi tel [phone]"]
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("r.sqlite3*"))
    assert b"ana@example.com" not in stored
    assert b"4111111111111111" not in stored
