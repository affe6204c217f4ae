"""PII redaction (emails, IBANs, phones, Luhn-valid cards) and truncation: pure functions, storage, replies, logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from handoff.adapters.delivery import deliver_due
from handoff.domain.redaction import CARD_MARK, TRUNCATION_MARK, luhn_valid, redact, truncate
from handoff.main import create_app
from handoff.settings import Settings
from tests.handoff.testkit import SERVICE, FrozenClock, RasaStandIn, agent, handoff_body, port_factory

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


@given(st.sampled_from("123456789"), st.text(alphabet="0123456789", min_size=11, max_size=17))
def test_every_luhn_valid_card_number_is_redacted(first: str, rest: str) -> None:
    """Any 13–19 digit Luhn-valid number (cards never start with 0), grouped in fours, becomes the card marker."""
    number = _luhn_complete(first + rest)
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
        mode="demo",
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


@pytest.fixture
def redacting_client(settings: Settings, clock: FrozenClock, rasa: RasaStandIn) -> Iterator[TestClient]:
    """The service with ``HANDOFF_REDACT_PII`` on."""
    app = create_app(
        settings.model_copy(update={"redact_pii": True}), clock=clock, delivery_port_factory=port_factory(rasa)
    )
    with TestClient(app) as client:
        yield client


def test_agent_reply_is_delivered_and_stored_as_written(redacting_client: TestClient, rasa: RasaStandIn) -> None:
    """Redaction never rewrites what an agent deliberately sends: the customer gets the phone number and email the
    agent typed, and the stored reply is what the customer got."""
    client = redacting_client
    text = "Llámenos al +34 900 123 456 o escriba a ayuda@nimbus.example antes del 2026-12-07"
    body = handoff_body(language="fr", topic="general", channel="whatsapp", conversation_id="wa-33612345678")
    handoff = client.post("/api/v1/handoffs", json=body, headers=SERVICE).json()
    client.post(f"/api/v1/handoffs/{handoff['id']}/claim", headers=agent("claire.dubois"))
    reply = client.post(
        f"/api/v1/handoffs/{handoff['id']}/replies", json={"text": text}, headers=agent("claire.dubois")
    ).json()
    deliver_due(client.app.state.context, client.app.state.delivery_port)  # type: ignore[attr-defined]
    assert text == reply["message"]["text"]
    assert text == rasa.calls[0]["json"]["entities"]["agent_message"]


def test_slots_profile_and_summary_are_redacted_before_storage(redacting_client: TestClient) -> None:
    """Slots and the customer profile the bot sends are stored redacted; order ids and dates survive."""
    body = handoff_body(
        slots={"email": "ana@example.com", "iban": "ES91 2100 0418 4502 0005 1332", "order_id": "NB-123456"},
        customer={"name": "Ana, +34 612 345 678", "locale": "es-ES"},
        summary="refund to ES91 2100 0418 4502 0005 1332 by 07/12/2026",
    )
    created = redacting_client.post("/api/v1/handoffs", json=body, headers=SERVICE).json()
    assert created["slots"] == {"email": "[email]", "iban": "[iban]", "order_id": "NB-123456"}
    assert created["customer"]["name"] == "Ana, [phone]"
    assert created["summary"] == "refund to [iban] by 07/12/2026"


def test_summary_the_service_writes_is_redacted(redacting_client: TestClient) -> None:
    """The agent summary the service builds from slots and the last customer words keeps no personal data."""
    body = handoff_body(
        slots={"email": "ana@example.com", "order_id": "NB-123456"},
        transcript=[{"role": "customer", "text": "call me on +34 612 345 678", "timestamp": "2026-11-23T14:59:00Z"}],
    )
    summary = redacting_client.post("/api/v1/handoffs", json=body, headers=SERVICE).json()["summary"]
    assert "order_id=NB-123456" in summary
    assert "ana@example.com" not in summary and "612 345 678" not in summary
    assert "[email]" in summary and "[phone]" in summary


@pytest.mark.parametrize(
    ("mode", "configured", "expected"),
    [
        ("production", None, True),  # data minimisation by default where real customers write
        ("demo", None, False),  # the demo shows the conversation as typed
        ("production", False, False),  # an operator may still turn it off explicitly
        ("demo", True, True),
    ],
)
def test_redaction_defaults_on_in_production(mode: str, configured: bool | None, expected: bool) -> None:
    """Unset ``HANDOFF_REDACT_PII`` means on in production mode and off in demo mode."""
    assert expected == Settings(_env_file=None, mode=mode, redact_pii=configured).redaction_on


def test_log_lines_carry_no_phone_numbers_or_emails(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    """Once the service started, an access-log line about a WhatsApp conversation shows the customer's pseudonym,
    not the phone number, with uvicorn's argument tuple kept for its formatter; the service's own lines are
    scrubbed too."""
    caplog.set_level(logging.INFO)
    path = "/api/v1/handoffs?conversation_id=whatsapp%3A%2B34600000000"
    logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", path, "1.1", 200)
    logging.getLogger("handoff.adapters.delivery").warning("delivery for %s failed", "whatsapp:+34600000000")
    access, service = caplog.records[-2:]
    assert len(access.args) == 5  # type: ignore[arg-type]
    customer = client.app.state.privacy.pseudonym("whatsapp:+34600000000")  # type: ignore[attr-defined]
    assert access.getMessage() == f'127.0.0.1:5 - "GET /api/v1/handoffs?conversation_id={customer} HTTP/1.1" 200'
    assert service.getMessage() == "delivery for whatsapp:[phone] failed"
