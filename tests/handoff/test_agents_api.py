"""Agent operations: my queues, claim (specific, next best), reply, notes, transfer, close, audit."""

from __future__ import annotations

import jwt
from fastapi.testclient import TestClient

from handoff.adapters.delivery import deliver_due
from tests.handoff.testkit import ADMIN, RASA_JWT_SECRET, SERVICE, FrozenClock, RasaStandIn, agent, handoff_body


def create(client: TestClient, **overrides: object) -> dict[str, object]:
    """Create a handoff through the bot API and return its JSON."""
    response = client.post("/api/v1/handoffs", json=handoff_body(**overrides), headers=SERVICE)
    assert response.status_code == 201, response.text
    return response.json()


def test_my_queues_show_depth_and_opening(client: TestClient) -> None:
    """An emea agent sees only emea, with the new handoff counted and the queue open (Monday 16:00 Paris)."""
    create(client, language="fr", topic="general")
    queues = client.get("/api/v1/agents/me/queues", headers=agent("claire.dubois")).json()
    assert [(q["name"], q["depth"], q["open_now"]) for q in queues] == [("emea", 1, True)]
    apac = client.get("/api/v1/agents/me/queues", headers=agent("li.wei")).json()[0]
    assert apac["open_now"] is False
    assert apac["opens_at"] is not None


def test_claim_then_second_claim_conflicts(client: TestClient) -> None:
    """The first agent's claim wins; a colleague's claim of the same handoff is 409."""
    handoff = create(client, language="fr", topic="general")
    first = client.post(f"/api/v1/handoffs/{handoff['id']}/claim", headers=agent("claire.dubois"))
    second = client.post(f"/api/v1/handoffs/{handoff['id']}/claim", headers=agent("omar.haddad"))
    assert (first.status_code, second.status_code) == (200, 409)
    assert first.json()["agent_id"] == "claire.dubois"
    assert first.json()["status"] == "assigned"


def test_claim_outside_my_queues_is_forbidden(client: TestClient) -> None:
    """An apac agent cannot claim an emea handoff."""
    handoff = create(client, language="fr", topic="general")
    assert client.post(f"/api/v1/handoffs/{handoff['id']}/claim", headers=agent("li.wei")).status_code == 403


def test_service_key_cannot_act_as_agent(client: TestClient) -> None:
    """Agent operations need an agent identity."""
    handoff = create(client, language="fr", topic="general")
    assert client.post(f"/api/v1/handoffs/{handoff['id']}/claim", headers=SERVICE).status_code == 403


def test_claim_next_takes_priority_then_oldest(client: TestClient, clock: FrozenClock) -> None:
    """Urgent (from the demo customer directory) beats older normal; among equals the oldest goes first."""
    old_normal = create(client, language="fr", topic="general")
    clock.advance(seconds=30)
    urgent = create(
        client, language="fr", topic="general", channel="messenger", conversation_id="messenger:6543210987654321"
    )
    clock.advance(seconds=30)
    newer_normal = create(client, language="fr", topic="general")
    order = [client.post("/api/v1/handoffs/claim-next", headers=agent("claire.dubois")).json()["id"] for _ in range(3)]
    assert [urgent["id"], old_normal["id"], newer_normal["id"]] == order
    assert client.post("/api/v1/handoffs/claim-next", headers=agent("claire.dubois")).status_code == 409  # capacity 3


def test_claim_next_returns_204_when_empty(client: TestClient) -> None:
    """No queued work in my queues: 204."""
    assert client.post("/api/v1/handoffs/claim-next", headers=agent("li.wei")).status_code == 204


def test_vip_customer_is_served_before_normal(client: TestClient, clock: FrozenClock) -> None:
    """A VIP (listed in the demo customer directory) ranks as high and is claimed first even when newer."""
    first = create(client, language="fr", topic="general")
    clock.advance(seconds=10)
    vip = create(client, language="fr", topic="general", channel="whatsapp", conversation_id="whatsapp:+34600000000")
    assert client.get(f"/api/v1/handoffs/{vip['id']}", headers=SERVICE).json()["position"] == 1
    assert client.get(f"/api/v1/handoffs/{first['id']}", headers=SERVICE).json()["position"] == 2


def test_reply_is_stored_and_delivered_to_rasa(client: TestClient, rasa: RasaStandIn) -> None:
    """A reply becomes a trigger_intent call on the customer's channel with the agent's name and text."""
    handoff = create(client, language="fr", topic="general", channel="whatsapp", conversation_id="wa-33612345678")
    client.post(f"/api/v1/handoffs/{handoff['id']}/claim", headers=agent("claire.dubois"))
    reply = client.post(
        f"/api/v1/handoffs/{handoff['id']}/replies",
        json={"text": "Bonjour, je regarde votre commande.", "message_id": "r-1"},
        headers=agent("claire.dubois"),
    )
    assert reply.status_code == 201
    retry = client.post(
        f"/api/v1/handoffs/{handoff['id']}/replies",
        json={"text": "Bonjour, je regarde votre commande.", "message_id": "r-1"},
        headers=agent("claire.dubois"),
    )
    assert retry.status_code == 200
    report = deliver_due(client.app.state.context, client.app.state.delivery_port)  # type: ignore[attr-defined]
    assert report.sent == 1
    authorization = rasa.calls[0].pop("authorization")
    claims = jwt.decode(authorization.removeprefix("Bearer "), RASA_JWT_SECRET, algorithms=["HS256"])
    assert claims["user"] == {"username": "nimbus-internal", "role": "admin"}
    assert rasa.calls == [
        {
            "path": "/conversations/wa-33612345678/trigger_intent",
            "params": {"output_channel": "whatsapp"},
            "json": {
                "name": "agent_reply",
                "entities": {
                    "agent_message": "Bonjour, je regarde votre commande.",
                    "agent_name": "Claire Dubois",
                    # The reply's id, so that Rasa sends it once however often it is delivered.
                    "reply_id": f"{handoff['id']}:{reply.json()['message']['id']}",
                },
            },
        }
    ]


def test_only_the_owner_replies(client: TestClient) -> None:
    """Another agent's reply is 403; so is replying to a queued handoff nobody owns yet."""
    handoff = create(client, language="fr", topic="general")
    body = {"text": "hello"}
    assert (
        client.post(f"/api/v1/handoffs/{handoff['id']}/replies", json=body, headers=agent("claire.dubois")).status_code
        == 403
    )
    client.post(f"/api/v1/handoffs/{handoff['id']}/claim", headers=agent("claire.dubois"))
    assert (
        client.post(f"/api/v1/handoffs/{handoff['id']}/replies", json=body, headers=agent("omar.haddad")).status_code
        == 403
    )


def test_private_notes_are_hidden_from_the_bot(client: TestClient) -> None:
    """Notes show for agents but not for the service key, and are never delivered."""
    handoff = create(client, language="fr", topic="general")
    note = client.post(
        f"/api/v1/handoffs/{handoff['id']}/notes", json={"text": "client fâché"}, headers=agent("omar.haddad")
    )
    assert note.status_code == 201
    as_agent = client.get(f"/api/v1/handoffs/{handoff['id']}", headers=agent("omar.haddad")).json()["messages"]
    as_bot = client.get(f"/api/v1/handoffs/{handoff['id']}", headers=SERVICE).json()["messages"]
    assert "client fâché" in [m["text"] for m in as_agent]
    assert "client fâché" not in [m["text"] for m in as_bot]


def test_transfer_to_queue_and_to_agent(client: TestClient) -> None:
    """To a queue: waiting again there. To an agent: assigned to them. Unknown targets: 422 naming the field."""
    handoff = create(client, language="en", topic="billing", conversation_id="c-transfer")
    assert handoff["status"] == "queued"
    hid = handoff["id"]
    client.post(
        f"/api/v1/handoffs/{hid}/claim", headers=agent("claire.dubois") if handoff["queue"] == "emea" else ADMIN
    )
    moved = client.post(f"/api/v1/handoffs/{hid}/transfer", json={"queue": "billing-global"}, headers=ADMIN).json()
    assert (moved["queue"], moved["status"], moved["agent_id"]) == ("billing-global", "queued", None)
    direct = client.post(
        f"/api/v1/handoffs/{hid}/transfer", json={"agent_id": "sam.okoro", "note": "billing dispute"}, headers=ADMIN
    ).json()
    assert (direct["status"], direct["agent_id"]) == ("assigned", "sam.okoro")
    bad = client.post(f"/api/v1/handoffs/{hid}/transfer", json={"queue": "mars"}, headers=ADMIN)
    assert (bad.status_code, bad.json()["fields"]) == (422, ["queue"])
    wrong_agent = client.post(f"/api/v1/handoffs/{hid}/transfer", json={"agent_id": "li.wei"}, headers=ADMIN)
    assert (wrong_agent.status_code, wrong_agent.json()["fields"]) == (422, ["agent_id"])


def test_close_hands_back_to_bot_or_ends(client: TestClient, rasa: RasaStandIn) -> None:
    """return_to_bot true → agent_handback offering the customer a rating of that handoff; false → agent_close
    without one; a second close is 409."""
    back = create(client, language="fr", topic="general")
    end = create(client, language="fr", topic="general")
    for handoff in (back, end):
        client.post(f"/api/v1/handoffs/{handoff['id']}/claim", headers=agent("claire.dubois"))
    closed = client.post(
        f"/api/v1/handoffs/{back['id']}/close", json={"resolution": "refund issued"}, headers=agent("claire.dubois")
    ).json()
    assert (closed["status"], closed["return_to_bot"]) == ("closed", True)
    client.post(
        f"/api/v1/handoffs/{end['id']}/close",
        json={"resolution": "customer left", "return_to_bot": False},
        headers=agent("claire.dubois"),
    )
    again = client.post(f"/api/v1/handoffs/{end['id']}/close", json={"resolution": "x"}, headers=agent("claire.dubois"))
    assert again.status_code == 409
    deliver_due(client.app.state.context, client.app.state.delivery_port)  # type: ignore[attr-defined]
    assert [(c["json"]["name"], c["json"]["entities"]) for c in rasa.calls] == [
        ("agent_handback", {"resolution": "refund issued", "csat_handoff_id": back["id"]}),
        ("agent_close", {"resolution": "customer left"}),
    ]


def test_every_state_change_is_audited_with_actor(client: TestClient) -> None:
    """created → claimed → transferred → closed, each with who did it and the statuses."""
    handoff = create(client, language="fr", topic="general")
    hid = handoff["id"]
    client.post(f"/api/v1/handoffs/{hid}/claim", headers=agent("claire.dubois"))
    client.post(f"/api/v1/handoffs/{hid}/transfer", json={"agent_id": "omar.haddad"}, headers=agent("claire.dubois"))
    client.post(f"/api/v1/handoffs/{hid}/close", json={"resolution": "done"}, headers=agent("omar.haddad"))
    entries = client.get("/api/v1/audit", params={"handoff_id": hid}, headers=ADMIN).json()
    assert [(e["actor"], e["action"], e["from_status"], e["to_status"]) for e in reversed(entries)] == [
        ("service", "created", None, "queued"),
        ("agent:claire.dubois", "claimed", "queued", "assigned"),
        ("agent:claire.dubois", "transferred", "assigned", "assigned"),
        ("agent:omar.haddad", "closed", "assigned", "closed"),
    ]
    assert client.get("/api/v1/audit", headers=agent("claire.dubois")).status_code == 403


def test_agent_status_and_admin_management(client: TestClient) -> None:
    """Agents set their own status only; supervisors create agents whose token then works."""
    assert client.patch("/api/v1/agents/me", json={"status": "away"}, headers=agent("li.wei")).status_code == 200
    assert client.patch("/api/v1/agents/me", json={"max_concurrent": 99}, headers=agent("li.wei")).status_code == 403
    created = client.post(
        "/api/v1/agents",
        json={
            "id": "ana.costa",
            "display_name": "Ana Costa",
            "languages": ["pt"],
            "skills": ["general"],
            "queues": ["americas"],
            "status": "online",
        },
        headers=agent("emily.carter"),
    )
    assert created.status_code == 201
    token = created.json()["token"]
    me = client.get("/api/v1/agents/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert (me["id"], me["role"]) == ("ana.costa", "agent")
    assert (
        client.post(
            "/api/v1/agents",
            json={"id": "x", "display_name": "X", "languages": ["en"], "skills": ["general"], "role": "admin"},
            headers=agent("emily.carter"),
        ).status_code
        == 403
    )
    bad_queue = client.post(
        "/api/v1/agents",
        json={"id": "y", "display_name": "Y", "languages": ["en"], "skills": ["general"], "queues": ["nowhere"]},
        headers=ADMIN,
    )
    assert (bad_queue.status_code, bad_queue.json()["fields"]) == (422, ["queues"])


def test_queue_management_validates_hours(client: TestClient) -> None:
    """A supervisor saves a queue with split shifts; bad hours are 422 naming the day."""
    body = {
        "languages": ["pt"],
        "skills": ["general"],
        "timezone": "America/Sao_Paulo",
        "hours": {"mon-fri": ["09:00-12:00", "13:00-18:00"]},
        "region": "americas",
    }
    saved = client.put("/api/v1/queues/brazil", json=body, headers=agent("emily.carter"))
    assert saved.status_code == 200
    assert saved.json()["hours"]["wed"] == ["09:00-12:00", "13:00-18:00"]
    bad = client.put("/api/v1/queues/brazil", json={**body, "hours": {"mon": ["9-5"]}}, headers=ADMIN)
    assert (bad.status_code, bad.json()["fields"]) == (422, ["hours.mon"])
    assert client.put("/api/v1/queues/brazil", json=body, headers=agent("li.wei")).status_code == 403


def test_auto_assign_gives_to_longest_idle_eligible_agent(client: TestClient) -> None:
    """In an auto-assign queue a new handoff goes straight to an eligible agent."""
    queue = {
        "languages": ["fr"],
        "skills": ["general"],
        "timezone": "UTC",
        "hours": {"daily": ["00:00-24:00"]},
        "auto_assign": True,
    }
    assert client.put("/api/v1/queues/fr-auto", json=queue, headers=ADMIN).status_code == 200
    client.patch("/api/v1/agents/claire.dubois", json={"queues": ["emea", "fr-auto"]}, headers=ADMIN)
    client.patch("/api/v1/agents/emily.carter", json={"status": "offline"}, headers=ADMIN)
    client.patch("/api/v1/agents/lucia.romero", json={"status": "offline"}, headers=ADMIN)
    for name in ("emea", "americas", "apac"):
        client.put(f"/api/v1/queues/{name}", json={**queue, "languages": ["zh"], "auto_assign": False}, headers=ADMIN)
    handoff = create(client, language="fr", topic="general")
    stored = client.get(f"/api/v1/handoffs/{handoff['id']}", headers=SERVICE).json()
    assert (stored["queue"], stored["status"], stored["agent_id"]) == ("fr-auto", "assigned", "claire.dubois")


def test_expected_wait_comes_from_recent_handling_times_and_depth(client: TestClient, clock: FrozenClock) -> None:
    """With every emea agent busy the estimate is one handling round: the 300 s default without history,
    then the measured 600 s once conversations that took ten minutes have closed; depth adds rounds."""
    team = ("claire.dubois", "omar.haddad", "lucia.romero")
    for name in team:
        client.patch(f"/api/v1/agents/{name}", json={"max_concurrent": 1}, headers=ADMIN)

    def keep_team_busy() -> list[dict[str, object]]:
        handoffs = [create(client, language="fr", topic="general") for _ in team]
        for handoff, name in zip(handoffs, team, strict=True):
            assert client.post(f"/api/v1/handoffs/{handoff['id']}/claim", headers=agent(name)).status_code == 200
        return handoffs

    first_round = keep_team_busy()
    waiting = create(client, language="fr", topic="general")
    assert client.get(f"/api/v1/handoffs/{waiting['id']}", headers=SERVICE).json()["expected_wait_seconds"] == 300
    clock.advance(minutes=10)
    for handoff, name in zip(first_round, team, strict=True):
        client.post(f"/api/v1/handoffs/{handoff['id']}/close", json={"resolution": "ok"}, headers=agent(name))
    keep_team_busy()
    assert client.get(f"/api/v1/handoffs/{waiting['id']}", headers=SERVICE).json()["expected_wait_seconds"] == 600
    more = []
    for _ in range(3):
        clock.advance(seconds=1)
        more.append(create(client, language="fr", topic="general"))
    # Positions 2-4 behind three busy agents: positions 2 and 3 still fit the first round, 4 needs a second.
    waits = [client.get(f"/api/v1/handoffs/{h['id']}", headers=SERVICE).json()["expected_wait_seconds"] for h in more]
    assert waits == [600, 600, 1200]


def test_agent_coming_online_takes_waiting_work_in_auto_assign_queue(client: TestClient) -> None:
    """A handoff waits in an auto-assign queue with nobody online; the agent's status change assigns it."""
    queue = {
        "languages": ["ar"],
        "skills": ["general"],
        "timezone": "UTC",
        "hours": {"daily": ["00:00-24:00"]},
        "auto_assign": True,
    }
    client.put("/api/v1/queues/ar-auto", json=queue, headers=ADMIN)
    client.put("/api/v1/queues/emea", json={**queue, "languages": ["fr"], "auto_assign": False}, headers=ADMIN)
    client.patch("/api/v1/agents/omar.haddad", json={"queues": ["ar-auto"], "status": "offline"}, headers=ADMIN)
    handoff = create(client, language="ar", topic="general")
    assert (handoff["queue"], handoff["status"]) == ("ar-auto", "queued")
    client.patch("/api/v1/agents/me", json={"status": "online"}, headers=agent("omar.haddad"))
    stored = client.get(f"/api/v1/handoffs/{handoff['id']}", headers=SERVICE).json()
    assert (stored["status"], stored["agent_id"]) == ("assigned", "omar.haddad")


def test_whatsapp_reply_after_the_24_hour_window_is_refused_with_a_clear_message(
    client: TestClient, clock: FrozenClock, rasa: RasaStandIn
) -> None:
    """The agent sees the window; after it closes, the service refuses instead of attempting a doomed delivery."""
    handoff = create(client, language="fr", topic="general", channel="whatsapp", conversation_id="wa-33600000001")
    client.post(f"/api/v1/handoffs/{handoff['id']}/claim", headers=agent("claire.dubois"))
    seen = client.get(f"/api/v1/handoffs/{handoff['id']}", headers=agent("claire.dubois")).json()
    assert seen["window_open"] is True
    assert seen["window_closes_at"] is not None

    clock.advance(hours=25)
    refused = client.post(
        f"/api/v1/handoffs/{handoff['id']}/replies", json={"text": "Bonjour ?"}, headers=agent("claire.dubois")
    )
    assert refused.status_code == 409
    assert "24-hour window" in refused.json()["detail"]
    after = client.get(f"/api/v1/handoffs/{handoff['id']}", headers=agent("claire.dubois")).json()
    assert after["window_open"] is False
    deliver_due(client.app.state.context, client.app.state.delivery_port)  # type: ignore[attr-defined]
    assert rasa.calls == []


def test_late_messenger_reply_carries_the_human_agent_tag(client: TestClient, clock: FrozenClock, rasa: RasaStandIn):
    """Between 24 hours and 7 days, a Messenger reply goes out with the HUMAN_AGENT tag."""
    handoff = create(client, language="fr", topic="general", channel="messenger", conversation_id="psid-1")
    client.post(f"/api/v1/handoffs/{handoff['id']}/claim", headers=agent("claire.dubois"))
    clock.advance(hours=30)
    sent = client.post(
        f"/api/v1/handoffs/{handoff['id']}/replies", json={"text": "Bonjour !"}, headers=agent("claire.dubois")
    )
    assert sent.status_code == 201
    deliver_due(client.app.state.context, client.app.state.delivery_port)  # type: ignore[attr-defined]
    assert rasa.calls[0]["json"]["entities"]["message_tag"] == "HUMAN_AGENT"
