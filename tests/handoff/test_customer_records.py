"""Customer records on SQLite and PostgreSQL: one customer across conversations and channels.

Identities link on verified facts only (a phone number WhatsApp or Twilio vouches for) or an agent's audited
action, never on what a customer or a REST integration claims; the console's history lists past handoffs with
their agent, resolution and rating; VIP from the customer-data file raises priority; a ``prefer_last_agent``
queue gives a returning customer to the agent of last time; the conversation's topic chooses the skill.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from handoff.main import create_app
from handoff.settings import Settings
from tests.handoff.testkit import ADMIN, SERVICE, FrozenClock, RasaStandIn, agent, handoff_body, port_factory

MARIA = agent("maria.garcia")  # americas; speaks es, en, pt


def hand_off(client: TestClient, conversation_id: str, channel: str, **overrides: Any) -> dict[str, Any]:
    """A Portuguese handoff (only the americas team speaks Portuguese) for the conversation."""
    body = handoff_body(conversation_id=conversation_id, customer_id=conversation_id, language="pt", **overrides)
    body["channel"] = channel
    response = client.post("/api/v1/handoffs", json=body, headers=SERVICE)
    assert response.status_code == 201, response.text
    return dict(response.json())


def served(client: TestClient, handoff: dict[str, Any], resolution: str, headers: dict[str, str] = MARIA) -> None:
    """Claimed and closed (handed back to the bot) by the agent."""
    assert client.post(f"/api/v1/handoffs/{handoff['id']}/claim", headers=headers).status_code == 200
    closed = client.post(
        f"/api/v1/handoffs/{handoff['id']}/close", json={"resolution": resolution, "return_to_bot": True},
        headers=headers,
    )  # fmt: skip
    assert closed.status_code == 200, closed.text


def customer_of(client: TestClient, handoff_id: str, headers: dict[str, str] = MARIA) -> dict[str, Any]:
    response = client.get(f"/api/v1/handoffs/{handoff_id}/customer", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_returning_customer_shows_earlier_handoffs_with_agent_resolution_and_rating(client: TestClient) -> None:
    """The second conversation's customer panel lists the first: when, channel, topic, resolution, agent, CSAT."""
    first = hand_off(client, "whatsapp:+34611111111", "whatsapp", topic="orders")
    served(client, first, "parcel re-sent")
    rated = client.post(
        f"/api/v1/handoffs/{first['id']}/csat", json={"conversation_id": first["conversation_id"], "score": 4},
        headers=SERVICE,
    )  # fmt: skip
    assert rated.status_code == 200, rated.text
    second = hand_off(client, "whatsapp:+34611111111", "whatsapp", topic="general", intents=["greet"])
    panel = customer_of(client, second["id"])
    assert second["customer_record_id"] == first["customer_record_id"] == panel["record"]["id"]
    assert {("whatsapp", "+34611111111", "channel"), ("phone", "+34611111111", "channel")} == {
        (i["channel"], i["external_id"], i["verified_by"]) for i in panel["record"]["identities"]
    }
    [past] = panel["history"]
    assert {
        "handoff_id": first["id"], "channel": "whatsapp", "topic": "orders", "status": "closed",
        "resolution": "parcel re-sent", "agent_id": "maria.garcia", "agent_name": "María García", "csat_score": 4,
    } == {key: past[key] for key in ("handoff_id", "channel", "topic", "status", "resolution", "agent_id",
                                     "agent_name", "csat_score")}  # fmt: skip
    assert past["closed_at"] is not None and panel["last_agent_id"] == "maria.garcia"


def test_a_verified_phone_links_channels_but_claims_do_not(client: TestClient) -> None:
    """WhatsApp and Twilio both vouch for the number: one record. A REST sender id that is the same number, a
    profile that claims it, and a Messenger id are separate customers."""
    whatsapp = hand_off(client, "whatsapp:+34622222222", "whatsapp")
    twilio = hand_off(client, "twilio:+34622222222", "twilio")
    rest = hand_off(client, "+34622222222", "rest")
    claimed = handoff_body(conversation_id="rest-claimer", customer_id="rest-claimer", language="pt")
    claimed["customer"].update({"phone": "+34622222222", "email": "owner@example.com", "name": "Owner"})
    claimer = client.post("/api/v1/handoffs", json=claimed, headers=SERVICE).json()
    messenger = hand_off(client, "messenger:99887766", "messenger")
    assert whatsapp["customer_record_id"] == twilio["customer_record_id"]
    others = {rest["customer_record_id"], claimer["customer_record_id"], messenger["customer_record_id"]}
    assert len(others) == 3 and whatsapp["customer_record_id"] not in others
    panel = customer_of(client, twilio["id"])
    assert [whatsapp["id"]] == [h["handoff_id"] for h in panel["history"]]
    assert {"rest"} == {i["channel"] for i in customer_of(client, rest["id"])["record"]["identities"]}
    assert customer_of(client, claimer["id"])["record"]["name"] == "Owner"  # a profile, never an identity


def test_an_agent_links_a_conversation_to_a_record_and_the_link_is_audited(client: TestClient) -> None:
    """María, serving a WhatsApp conversation, links its customer to the REST customer she recognised: the record
    takes the identity (verified by her) and the history, the emptied record is merged, the audit names her and
    holds only a pseudonym of the identity."""
    web = hand_off(client, "crm-5550", "rest")
    served(client, web, "address changed")
    phone = hand_off(client, "whatsapp:+34633333333", "whatsapp")
    assert client.post(f"/api/v1/handoffs/{phone['id']}/claim", headers=MARIA).status_code == 200
    record = web["customer_record_id"]
    linked = client.post(f"/api/v1/customer-records/{record}/identities", json={"handoff_id": phone["id"]},
                         headers=MARIA)  # fmt: skip
    assert linked.status_code == 200, linked.text
    assert (linked.json()["moved_handoffs"], linked.json()["merged_record"]) == (1, phone["customer_record_id"])
    panel = customer_of(client, phone["id"])
    assert panel["record"]["id"] == record and [web["id"]] == [h["handoff_id"] for h in panel["history"]]
    assert {("rest", "channel"), ("whatsapp", "agent:maria.garcia"), ("phone", "channel")} == {
        (i["channel"], i["verified_by"]) for i in panel["record"]["identities"]
    }
    [entry] = [e for e in client.get("/api/v1/audit", params={"handoff_id": phone["id"]}, headers=ADMIN).json()
               if e["action"] == "customer_linked"]  # fmt: skip
    assert (entry["actor"], entry["details"]["record"], entry["details"]["channel"]) == (
        "agent:maria.garcia", record, "whatsapp")  # fmt: skip
    assert "+34633333333" not in json.dumps(entry) and len(entry["details"]["identity"]) >= 16
    assert client.get(f"/api/v1/customer-records/{phone['customer_record_id']}", headers=ADMIN).status_code == 404


def test_links_are_refused_to_whoever_may_not_make_them(client: TestClient) -> None:
    """An agent links only a conversation assigned to them, never a raw channel id; supervisors may; bad bodies
    and unknown records are clear 4xx errors; the bot's key cannot link nor read records."""
    mine = hand_off(client, "whatsapp:+34644444440", "whatsapp")
    other = hand_off(client, "line:Ulinked", "line")
    record = mine["customer_record_id"]
    url = f"/api/v1/customer-records/{record}/identities"
    assert client.post(url, json={"handoff_id": other["id"]}, headers=MARIA).status_code == 403  # not assigned
    raw = {"channel": "line", "external_id": "Ulinked"}
    assert client.post(url, json=raw, headers=MARIA).status_code == 403
    assert client.post(url, json=raw, headers=SERVICE).status_code == 403
    for bad in ({}, {**raw, "handoff_id": other["id"]}, {"channel": "line"}, {"handoff_id": other["id"], "x": 1}):
        assert client.post(url, json=bad, headers=ADMIN).status_code == 422, bad
    missing = "/api/v1/customer-records/00000000-0000-0000-0000-000000000000/identities"
    assert client.post(missing, json=raw, headers=ADMIN).status_code == 404
    assert client.get("/api/v1/customer-records/not..a..uuid", headers=ADMIN).status_code == 422
    assert client.post(url, json=raw, headers=agent("emily.carter")).status_code == 200  # a supervisor
    assert client.get(f"/api/v1/customer-records/{record}", headers=MARIA).status_code == 403
    whole = client.get(f"/api/v1/customer-records/{record}", headers=agent("emily.carter")).json()
    assert {mine["id"], other["id"]} == {h["handoff_id"] for h in whole["history"]}
    assert client.get(f"/api/v1/handoffs/{mine['id']}/customer", headers=agent("li.wei")).status_code == 403
    assert client.get(f"/api/v1/handoffs/{mine['id']}/customer", headers=SERVICE).status_code == 403


def test_vip_from_the_csv_customer_file_raises_priority_and_stays_with_the_record(
    settings: Settings, clock: FrozenClock, rasa: RasaStandIn, tmp_path: Path
) -> None:
    """The CSV directory makes the WhatsApp number a gold VIP (served as high); the same person on Twilio, linked by
    the verified number, keeps the record's VIP although the file does not list that id."""
    directory = tmp_path / "customers.csv"
    directory.write_text("channel,id,vip,tier,priority\nwhatsapp,+34655555555,yes,gold,\n", encoding="utf-8")
    app = create_app(settings.model_copy(update={"customers_file": directory}), clock=clock,
                     delivery_port_factory=port_factory(rasa))  # fmt: skip
    with TestClient(app) as client:
        vip = hand_off(client, "whatsapp:+34655555555", "whatsapp")
        linked = hand_off(client, "twilio:+34655555555", "twilio")
        stranger = hand_off(client, "whatsapp:+34655555556", "whatsapp")
        record = customer_of(client, vip["id"])["record"]
    assert (vip["priority"], vip["customer"]["vip"], vip["customer"]["tier"]) == ("high", True, "gold")
    assert (linked["priority"], linked["customer"]["vip"]) == ("high", True)
    assert (stranger["priority"], stranger["customer"]["vip"]) == ("normal", False)
    assert (record["vip"], record["tier"]) == (True, "gold")


def _prefer_last_agent(client: TestClient, on: bool) -> None:
    americas = next(q for q in client.get("/api/v1/queues", headers=ADMIN).json() if q["name"] == "americas")
    body = {key: americas[key] for key in ("languages", "translation_languages", "skills", "timezone", "hours",
                                           "holiday_calendar", "overflow_queue", "capacity", "auto_assign",
                                           "sla_seconds", "region")}  # fmt: skip
    saved = client.put("/api/v1/queues/americas", json={**body, "prefer_last_agent": on}, headers=ADMIN)
    assert (saved.status_code, saved.json()["prefer_last_agent"]) == (200, on)


def test_a_prefer_last_agent_queue_sends_a_returning_customer_to_the_agent_of_last_time(client: TestClient) -> None:
    """With the setting, María gets her returning customer at once (audited, explained as ``last_agent``); away,
    she does not, and the customer waits in the queue; without the setting, nobody is chosen."""
    _prefer_last_agent(client, True)
    first = hand_off(client, "whatsapp:+34666666666", "whatsapp")
    served(client, first, "refund explained")
    again = hand_off(client, "whatsapp:+34666666666", "whatsapp")
    assert (again["status"], again["agent_id"], again["routing_agent"]) == ("assigned", "maria.garcia", "last_agent")
    actions = [e["action"] for e in client.get("/api/v1/audit", params={"handoff_id": again["id"]},
                                                headers=ADMIN).json()]  # fmt: skip
    assert "assigned_last_agent" in actions
    client.post(f"/api/v1/handoffs/{again['id']}/close", json={"resolution": "ok"}, headers=MARIA)
    assert client.patch("/api/v1/agents/me", json={"status": "away"}, headers=MARIA).status_code == 200
    away = hand_off(client, "whatsapp:+34666666666", "whatsapp")
    assert (away["status"], away["agent_id"], away["routing_agent"]) == ("queued", None, None)
    client.post(f"/api/v1/handoffs/{away['id']}/close", json={"resolution": "later"}, headers=ADMIN)
    assert client.patch("/api/v1/agents/me", json={"status": "online"}, headers=MARIA).status_code == 200
    _prefer_last_agent(client, False)
    off = hand_off(client, "whatsapp:+34666666666", "whatsapp")
    assert (off["status"], off["routing_agent"]) == ("queued", None)


def test_the_kb_article_topic_and_the_intent_choose_the_skill_and_the_queue(
    settings: Settings, clock: FrozenClock, rasa: RasaStandIn, tmp_path: Path
) -> None:
    """An account article tried by the bot routes an English customer to the account team; a refund intent sets
    billing; the handoff and its ``created`` audit say what chose the skill."""
    index = tmp_path / "kb"
    index.mkdir()
    articles = {"delete-account": {"topic": "account"}, "invoice": {"topic": "billing"}, "hello": {"topic": "general"}}
    (index / "articles.json").write_text(json.dumps(articles), encoding="utf-8")
    app = create_app(settings.model_copy(update={"kb_index_dir": index}), clock=clock,
                     delivery_port_factory=port_factory(rasa))  # fmt: skip
    team = {"languages": ["en"], "skills": ["account"], "timezone": "UTC", "hours": {"daily": ["00:00-24:00"]}}
    with TestClient(app) as client:
        assert client.put("/api/v1/queues/accounts", json=team, headers=ADMIN).status_code == 200

        def create(**overrides: Any) -> dict[str, Any]:
            body = handoff_body(**{"language": "en", "topic": "general", "intents": ["faq", "request_human"],
                                   **overrides})  # fmt: skip
            return dict(client.post("/api/v1/handoffs", json=body, headers=SERVICE).json())

        account = create(kb_articles_tried=["hello", "delete-account"])
        plain = create(kb_articles_tried=["hello"])
        refund = create(intents=["request_refund", "request_human"], kb_articles_tried=["delete-account"])
        audit = client.get("/api/v1/audit", params={"handoff_id": account["id"]}, headers=ADMIN).json()
    assert (account["topic"], account["routing_skill_from"], account["queue"]) == ("account", "kb_article", "accounts")
    assert (plain["topic"], plain["routing_skill_from"]) == ("general", "default") and plain["queue"] != "accounts"
    assert (refund["topic"], refund["routing_skill_from"]) == ("billing", "intent") and refund["queue"] != "accounts"
    created = next(e for e in audit if e["action"] == "created")
    assert (created["details"]["skill"], created["details"]["skill_from"]) == ("account", "kb_article")


def test_one_customer_writing_on_two_channels_at_once_gets_one_record(client: TestClient) -> None:
    """WhatsApp and Twilio conversations of one verified number created at the same moment (twice over) end in a
    single record holding both: the identities' unique constraint decides, and no creation fails."""
    from handoff.schemas import HandoffCreate
    from handoff.services import handoffs
    from tests.handoff.test_concurrency import race

    ctx = client.app.state.context  # type: ignore[attr-defined]
    bodies = []
    for channel in ("whatsapp", "twilio", "whatsapp", "twilio"):
        body = handoff_body(conversation_id=f"{channel}:+34688888888", customer_id=f"{channel}:+34688888888")
        bodies.append(HandoffCreate.model_validate({**body, "channel": channel}))
    results = race([lambda body=body: handoffs.create_handoff(ctx, body) for body in bodies])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.handoff.customer_record_id for r in results if not isinstance(r, Exception)}) == 1
    panel = customer_of(client, results[0].handoff.id, ADMIN)  # type: ignore[union-attr]
    assert {"whatsapp", "twilio", "phone"} == {i["channel"] for i in panel["record"]["identities"]}
