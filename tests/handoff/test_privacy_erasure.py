"""Erasure reaches every store, reports each one, survives a store that is down, and is audited by pseudonym."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient

from handoff.main import create_app
from handoff.privacy.pseudonym import KEY_FILE, pseudonym
from handoff.privacy.stores import key_is_about
from handoff.settings import Settings
from tests.handoff.privacy_kit import StoresStandIn, privacy_settings
from tests.handoff.testkit import ADMIN, SERVICE, FrozenClock, RasaStandIn, handoff_body, port_factory

REDIS_URL = "redis://127.0.0.1:6379/0"
PHONE_ID = "whatsapp:+34600000042"


@pytest.fixture
def stores(settings: Settings) -> StoresStandIn:
    """Rasa holds a tracker and the action server a kept message for the WhatsApp conversation."""
    assert settings.rasa_jwt_secret
    standin = StoresStandIn(jwt_secret=settings.rasa_jwt_secret)
    standin.trackers[PHONE_ID] = [{"event": "user", "text": "mi IBAN es ES91 2100 0418 4502 0005 1332"}]
    standin.outbox[PHONE_ID] = [{"message_id": "m9", "text": "¿hola?"}]
    return standin


@pytest.fixture
def app(settings: Settings, clock: FrozenClock, rasa: RasaStandIn, stores: StoresStandIn) -> FastAPI:
    """The service with Rasa and the action server answered by the stand-in."""
    return create_app(
        privacy_settings(settings),
        clock=clock,
        delivery_port_factory=port_factory(rasa),
        privacy_transport=httpx.MockTransport(stores.handle),
    )


def _hand_off(client: TestClient) -> dict:
    body = handoff_body(conversation_id=PHONE_ID, customer_id=PHONE_ID, channel="whatsapp")
    return client.post("/api/v1/handoffs", json=body, headers=SERVICE).json()


def test_erasure_reaches_rasa_and_the_action_server_and_reports_each(client: TestClient, stores: StoresStandIn) -> None:
    """One DELETE empties the handoff database, Rasa's tracker and the actions outbox, and says so per store."""
    _hand_off(client)
    response = client.delete(f"/api/v1/customers/{PHONE_ID}", headers=ADMIN)
    result = response.json()
    assert (response.status_code, result["complete"]) == (200, True)
    by_store = {report["store"]: report for report in result["stores"]}
    assert {"handoff_db", "rasa", "actions"} == set(by_store)
    assert {"done"} == {report["status"] for report in by_store.values()}
    assert (stores.trackers, stores.outbox) == ({}, {})
    assert by_store["handoff_db"]["result"]["messages"] == 3
    assert PHONE_ID not in str(by_store["rasa"]["result"])  # the store's echo of the id is not kept


def test_erasure_with_a_store_down_is_partial_then_completed_by_the_worker_pass(
    client: TestClient, stores: StoresStandIn
) -> None:
    """Rasa down: 202, ``complete: false``, Rasa pending with its error; the next privacy pass finishes it and
    audits that, after which no plain identifier is left in the task table."""
    _hand_off(client)
    stores.down.add("rasa")
    response = client.delete(f"/api/v1/customers/{PHONE_ID}", headers=ADMIN)
    result = response.json()
    assert (response.status_code, result["complete"]) == (202, False)
    rasa = next(r for r in result["stores"] if r["store"] == "rasa")
    assert (rasa["status"], "503" in rasa["error"]) == ("pending", True)
    assert PHONE_ID in stores.trackers and stores.outbox == {}
    erased = client.get("/api/v1/audit", headers=ADMIN).json()[0]
    assert (erased["action"], erased["details"]["complete"]) == ("customer_erased", False)
    assert erased["details"]["stores"]["rasa"]["status"] == "pending"

    stores.down.clear()
    pass_result = client.post("/api/v1/privacy/retention", headers=ADMIN).json()
    assert (pass_result["erasures_retried"], pass_result["erasures_still_pending"]) == (1, 0)
    assert stores.trackers == {}
    done = [a for a in client.get("/api/v1/audit", headers=ADMIN).json() if a["action"] == "erasure_store_done"]
    assert [("rasa", result["pseudonym"])] == [(a["details"]["store"], a["details"]["customer"]) for a in done]
    assert PHONE_ID not in str(client.get("/api/v1/audit", headers=ADMIN).json())


def test_audit_uses_a_keyed_pseudonym_not_a_hash(client: TestClient, settings: Settings) -> None:
    """The audit names the customer by HMAC under the service's own 0600 key: not the identifier, not its SHA-256."""
    import hashlib

    _hand_off(client)
    result = client.delete(f"/api/v1/customers/{PHONE_ID}", headers=ADMIN).json()
    key_file = settings.var_dir / KEY_FILE
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert pseudonym(key_file.read_text().strip(), PHONE_ID) == result["pseudonym"]
    audit = str(client.get("/api/v1/audit", headers=ADMIN).json())
    assert hashlib.sha256(PHONE_ID.encode()).hexdigest()[:16] not in audit
    assert result["pseudonym"] in audit


def test_a_customer_known_only_to_rasa_is_exported_and_erased(client: TestClient, stores: StoresStandIn) -> None:
    """No handoff was ever created: the export still finds Rasa's tracker, and erasure still deletes it."""
    stores.trackers["web-only-customer"] = [{"event": "user", "text": "hi"}]
    assert client.get("/api/v1/customers/web-only-customer/export", headers=ADMIN).status_code == 200
    assert client.delete("/api/v1/customers/web-only-customer", headers=ADMIN).json()["complete"]
    assert "web-only-customer" not in stores.trackers
    assert client.get("/api/v1/customers/web-only-customer/export", headers=ADMIN).status_code == 404


def test_erasure_takes_the_customer_record_its_identities_and_the_linked_channels(
    client: TestClient, stores: StoresStandIn
) -> None:
    """The WhatsApp customer also wrote on Twilio (the verified number linked both): the export shows the record,
    and erasure deletes it, its identities and the Twilio conversation's handoff and tracker too."""
    twilio_id = "twilio:+34600000042"
    stores.trackers[twilio_id] = [{"event": "user", "text": "otra vez yo"}]
    first = _hand_off(client)
    body = handoff_body(conversation_id=twilio_id, customer_id=twilio_id, channel="twilio")
    second = client.post("/api/v1/handoffs", json=body, headers=SERVICE).json()
    record = first["customer_record_id"]
    assert second["customer_record_id"] == record
    exported = client.get(f"/api/v1/customers/{PHONE_ID}/export", headers=ADMIN).json()
    assert [record] == [r["id"] for r in exported["records"]]
    assert {"whatsapp", "phone", "twilio"} == {i["channel"] for i in exported["records"][0]["identities"]}
    assert {first["id"], second["id"]} == {h["id"] for h in exported["handoffs"]}
    result = client.delete(f"/api/v1/customers/{PHONE_ID}", headers=ADMIN).json()
    db = next(r for r in result["stores"] if r["store"] == "handoff_db")["result"]
    assert (db["handoffs"], db["customer_records"], db["identities"]) == (2, 1, 3)
    assert client.get(f"/api/v1/customer-records/{record}", headers=ADMIN).status_code == 404
    left = client.get(f"/api/v1/handoffs/{second['id']}", headers=ADMIN).json()
    assert (left["customer_record_id"], "+34600000042" in str(left)) == (None, False)
    assert twilio_id not in stores.trackers
    again = client.post("/api/v1/handoffs", json=body, headers=SERVICE).json()
    assert again["customer_record_id"] != record  # a new start: nothing of the old record is found


@pytest.mark.parametrize(
    ("key", "about"),
    [
        ("lock:whatsapp:+34600000042", True),  # Rasa's lock store
        ("tracker:whatsapp:+34600000042", True),  # a Redis tracker store
        ("whatsapp:+34600000042", True),  # the id itself
        ("x:whatsapp:+34600000042:seen", True),  # the id as a middle part
        ("lock:whatsapp:+346000000421", False),  # another number that starts the same
        ("lock:xwhatsapp:+34600000042", False),  # the id inside a longer part
    ],
)
def test_redis_key_matching(key: str, about: bool) -> None:
    """A key is about the conversation only when the id is a whole ``:``-separated part of it."""
    assert about == key_is_about(key, PHONE_ID)


def test_erasure_deletes_redis_keys_about_the_conversation(
    settings: Settings, clock: FrozenClock, rasa: RasaStandIn, stores: StoresStandIn, tmp_path: Path
) -> None:
    """With a Redis configured, its keys about the conversation go (the others stay) and the report counts them."""
    try:
        server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        server.ping()
    except redis.RedisError:
        pytest.skip("Redis not reachable at 127.0.0.1:6379")
    conversation = f"whatsapp:+3460{uuid.uuid4().int % 10**7:07d}"
    other = f"whatsapp:+3461{uuid.uuid4().int % 10**7:07d}"
    server.set(f"lock:{conversation}", b"1")
    server.set(f"lock:{other}", b"1")
    configured = privacy_settings(settings, privacy_redis_urls=REDIS_URL)
    app = create_app(
        configured,
        clock=clock,
        delivery_port_factory=port_factory(rasa),
        privacy_transport=httpx.MockTransport(stores.handle),
    )
    try:
        with TestClient(app) as client:
            export = client.get(f"/api/v1/customers/{conversation}/export", headers=ADMIN).json()
            assert [f"lock:{conversation}"] == export["stores"]["redis"][conversation]["keys"]["redis#0"]
            result = client.delete(f"/api/v1/customers/{conversation}", headers=ADMIN).json()
        redis_report = next(r for r in result["stores"] if r["store"] == "redis")
        assert (
            redis_report["status"],
            server.exists(f"lock:{conversation}"),
            server.exists(f"lock:{other}"),
        ) == ("done", 0, 1)
    finally:
        server.delete(f"lock:{conversation}", f"lock:{other}")


def test_erased_text_does_not_linger_in_the_sqlite_files(client: TestClient, settings: Settings) -> None:
    """After erasure neither the SQLite database nor its write-ahead log still holds the customer's words."""
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("a SQLite property")
    words = "my secret word is zanzibar-quokka-7731"
    body = handoff_body(conversation_id=PHONE_ID, customer_id=PHONE_ID, channel="whatsapp")
    body["transcript"].append({"role": "customer", "text": words})
    client.post("/api/v1/handoffs", json=body, headers=SERVICE)
    client.delete(f"/api/v1/customers/{PHONE_ID}", headers=ADMIN)
    database = Path(settings.database_url.removeprefix("sqlite:///"))
    stored = b"".join(path.read_bytes() for path in database.parent.glob(database.name + "*"))
    assert b"zanzibar-quokka" not in stored
