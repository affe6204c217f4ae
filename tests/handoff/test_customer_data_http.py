"""The HTTP customer-data provider against a local CRM stand-in (real HTTP): what it sends, what it understands,
and that a slow or failing CRM never stops a handoff (routing proceeds without CRM data, logged without the id)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from handoff.customers.http_provider import HttpCustomerData
from handoff.customers.identity import Identity
from handoff.customers.provider import CustomerDataUnavailable
from handoff.main import create_app
from handoff.privacy.directory import DirectoryEntry
from handoff.settings import Settings
from tests.handoff.testkit import SERVICE, FrozenClock, RasaStandIn, handoff_body, port_factory
from tests.stand_ins.crm import PATH, CrmStandIn

VIP_PHONE = "+34677777777"


@pytest.fixture
def crm() -> Iterator[CrmStandIn]:
    """A CRM that knows one WhatsApp customer as a platinum VIP."""
    with CrmStandIn(customers={("whatsapp", VIP_PHONE): {"vip": True, "tier": "platinum"}}) as server:
        yield server


def adapter(crm: CrmStandIn, *, token: str | None = None, timeout: float = 2.0) -> HttpCustomerData:
    return HttpCustomerData(httpx.Client(timeout=timeout), crm.url, crm.token if token is None else token)


def test_the_adapter_posts_the_identity_with_the_bearer_token_and_reads_the_answer(crm: CrmStandIn) -> None:
    """One POST to the configured URL, the id in the JSON body (never the URL), the token as Bearer."""
    found = adapter(crm).lookup(Identity("whatsapp", VIP_PHONE))
    assert DirectoryEntry(vip=True, tier="platinum", priority="high") == found
    [call] = crm.calls
    assert (call.path, call.body, call.answered) == (PATH, {"channel": "whatsapp", "id": VIP_PHONE}, 200)
    assert call.headers["authorization"] == f"Bearer {crm.token}" and VIP_PHONE not in call.path


def test_an_unknown_customer_is_none_and_every_failure_is_unavailable(crm: CrmStandIn) -> None:
    """404 means "not a customer we know"; a wrong token, a server error and a malformed answer mean "no answer"."""
    assert adapter(crm).lookup(Identity("line", "Unknown")) is None
    with pytest.raises(CustomerDataUnavailable, match="HTTP 401"):
        adapter(crm, token="wrong").lookup(Identity("whatsapp", VIP_PHONE))
    crm.customers[("rest", "odd")] = {"vip": True, "priority": "asap"}
    with pytest.raises(CustomerDataUnavailable, match="malformed"):
        adapter(crm).lookup(Identity("rest", "odd"))
    crm.fail_with = 503
    with pytest.raises(CustomerDataUnavailable, match="HTTP 503"):
        adapter(crm).lookup(Identity("whatsapp", VIP_PHONE))
    assert [c.answered for c in crm.calls[1:]] == [401, 200, 503]


def test_a_timeout_is_unavailable(crm: CrmStandIn) -> None:
    """A CRM slower than the timeout is given up on."""
    crm.delay_seconds = 1.0
    with pytest.raises(CustomerDataUnavailable, match="ReadTimeout"):
        adapter(crm, timeout=0.2).lookup(Identity("whatsapp", VIP_PHONE))


def _app(settings: Settings, clock: FrozenClock, rasa: RasaStandIn, crm: CrmStandIn, timeout: float) -> TestClient:
    configured = settings.model_copy(
        update={
            "customer_data_url": crm.url,
            "customer_data_token": crm.token,
            "customer_data_timeout_seconds": timeout,
        }
    )
    return TestClient(create_app(configured, clock=clock, delivery_port_factory=port_factory(rasa)))


def _whatsapp(client: TestClient, phone: str) -> httpx.Response:
    body = handoff_body(conversation_id=f"whatsapp:{phone}", customer_id=f"whatsapp:{phone}")
    body["channel"] = "whatsapp"
    return client.post("/api/v1/handoffs", json=body, headers=SERVICE)


def test_the_service_takes_vip_and_tier_from_the_crm(
    settings: Settings, clock: FrozenClock, rasa: RasaStandIn, crm: CrmStandIn
) -> None:
    """With ``HANDOFF_CUSTOMER_DATA_URL`` set, the CRM (not the demo file) makes the customer a VIP."""
    with _app(settings, clock, rasa, crm, 2.0) as client:
        vip = _whatsapp(client, VIP_PHONE).json()
        demo_vip = _whatsapp(client, "+34600000000").json()  # VIP in the demo file, unknown to the CRM
    assert (vip["priority"], vip["customer"]["vip"], vip["customer"]["tier"]) == ("high", True, "platinum")
    assert (demo_vip["priority"], demo_vip["customer"]["vip"]) == ("normal", False)
    assert {("whatsapp", VIP_PHONE), ("whatsapp", "+34600000000")} == {(c.body["channel"], c.body["id"])
                                                                        for c in crm.calls}  # fmt: skip


def test_a_slow_crm_does_not_stop_the_handoff_and_the_log_holds_no_personal_data(
    settings: Settings, clock: FrozenClock, rasa: RasaStandIn, crm: CrmStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    """The CRM times out: the handoff is created and routed at normal priority, and the warning names the provider
    and the failure, never the customer's number."""
    crm.delay_seconds = 1.0
    with caplog.at_level(logging.WARNING), _app(settings, clock, rasa, crm, 0.2) as client:
        response = _whatsapp(client, VIP_PHONE)
    created = response.json()
    assert (response.status_code, created["priority"], created["customer"]["vip"]) == (201, "normal", False)
    warnings = [r.getMessage() for r in caplog.records if r.name == "handoff.customers.runtime"]
    assert warnings == ["customer data lookup failed (http: ReadTimeout); routing without CRM data"]
    assert VIP_PHONE not in caplog.text and VIP_PHONE.lstrip("+") not in caplog.text
