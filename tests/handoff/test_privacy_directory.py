"""Trusted VIP: only the customer directory makes a customer a VIP or raises priority; the bot's claims do not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from handoff.main import create_app
from handoff.privacy.directory import DirectoryEntry, DirectoryError, parse_directory, trusted_priority
from handoff.settings import Settings
from tests.handoff.testkit import ADMIN, SERVICE, FrozenClock, RasaStandIn, handoff_body, port_factory

GOLD = DirectoryEntry(vip=True, tier="gold", priority="high")
URGENT = DirectoryEntry(vip=True, tier="platinum", priority="urgent")

PRIORITY_CASES = [
    # (requested, reason, directory entry, expected (priority, vip), why)
    ("high", "explicit_request", None, ("normal", False), "the bot may not ask high for a customer's say-so"),
    ("urgent", "explicit_request", None, ("normal", False), "nor urgent"),
    ("high", "frustration", None, ("high", False), "frustration it observed itself is a reason for high"),
    ("urgent", "frustration", None, ("high", False), "but never more than high"),
    ("normal", "explicit_request", GOLD, ("high", True), "a VIP in the directory is served as high"),
    ("normal", "transactional", URGENT, ("urgent", True), "the directory may say urgent"),
    ("high", "frustration", DirectoryEntry(), ("high", False), "listed but not VIP: frustration still counts"),
]


@pytest.mark.parametrize(
    ("requested", "reason", "entry", "expected", "why"), PRIORITY_CASES, ids=[c[4] for c in PRIORITY_CASES]
)
def test_trusted_priority(
    requested: str, reason: str, entry: DirectoryEntry | None, expected: tuple[str, bool], why: str
) -> None:
    """Each row: what the bot asked, why, what the directory says, and the priority the service sets."""
    assert expected == trusted_priority(requested, reason, entry)


def test_directory_accepts_ids_or_channel_pairs_and_rejects_bad_priorities() -> None:
    """Both file shapes give entries by conversation id; an unknown priority names the entry at fault."""
    assert parse_directory({"customers": {"whatsapp:+34600000000": {"vip": True, "tier": "gold"}}}) == {
        "whatsapp:+34600000000": GOLD
    }
    assert {"line:U1": DirectoryEntry(vip=True, priority="high"), "crm-7": DirectoryEntry()} == parse_directory(
        {"customers": [{"channel": "line", "id": "U1", "vip": True}, {"channel": "rest", "id": "crm-7"}]}
    )
    with pytest.raises(DirectoryError, match=r"customers\[0\]"):
        parse_directory({"customers": [{"id": "x", "priority": "asap"}]})


def test_vip_and_priority_claims_in_the_payload_are_ignored(client: TestClient) -> None:
    """A payload claiming VIP and high priority for a customer nobody listed is stored as a normal customer."""
    body = handoff_body(priority="high", reason="explicit_request")
    body["customer"]["vip"] = True
    created = client.post("/api/v1/handoffs", json=body, headers=SERVICE).json()
    assert (created["priority"], created["customer"]["vip"]) == ("normal", False)


def test_demo_directory_makes_its_customer_a_vip(client: TestClient) -> None:
    """In demo mode the shipped directory applies: its WhatsApp customer is a gold VIP served as high."""
    body = handoff_body(conversation_id="whatsapp:+34600000000", customer_id="whatsapp:+34600000000")
    body["channel"] = "whatsapp"
    created = client.post("/api/v1/handoffs", json=body, headers=SERVICE).json()
    assert (created["priority"], created["customer"]["vip"], created["customer"]["tier"]) == ("high", True, "gold")


def test_configured_directory_file_is_read_and_reread(
    settings: Settings, clock: FrozenClock, rasa: RasaStandIn, tmp_path: Path
) -> None:
    """``HANDOFF_CUSTOMERS_FILE`` is the source, and an edit to it applies to the next handoff without a restart."""
    directory = tmp_path / "customers.yml"
    directory.write_text('customers:\n  "line:Uabc": {vip: false}\n', encoding="utf-8")
    app = create_app(
        settings.model_copy(update={"customers_file": directory}), clock=clock, delivery_port_factory=port_factory(rasa)
    )
    with TestClient(app) as client:
        first = client.post("/api/v1/handoffs", json=handoff_body(conversation_id="line:Uabc"), headers=SERVICE)
        directory.write_text('customers:\n  "line:Uabc": {vip: true, priority: urgent}\n', encoding="utf-8")
        os.utime(directory, (1, 2_000_000_000))
        client.post(f"/api/v1/handoffs/{first.json()['id']}/close", json={"resolution": "ok"}, headers=ADMIN)
        second = client.post("/api/v1/handoffs", json=handoff_body(conversation_id="line:Uabc"), headers=SERVICE)
    assert (first.json()["priority"], second.json()["priority"]) == ("normal", "urgent")


def test_a_missing_configured_directory_stops_the_start(
    settings: Settings, clock: FrozenClock, rasa: RasaStandIn, tmp_path: Path
) -> None:
    """A directory file that does not exist is a configuration error reported at start, not a silent no-VIP."""
    app = create_app(
        settings.model_copy(update={"customers_file": tmp_path / "missing.yml"}),
        clock=clock,
        delivery_port_factory=port_factory(rasa),
    )
    with pytest.raises(RuntimeError, match=r"missing\.yml"), TestClient(app):
        pass
