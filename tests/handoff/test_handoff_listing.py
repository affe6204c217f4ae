"""Paging and filtering the handoff list as the console does on a busy day, on SQLite and PostgreSQL: a total in
``X-Total-Count``, filters by language, channel, queue and agent, counts per filter value, and the bot's
``conversation_id`` lookup unchanged."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.handoff.testkit import ADMIN, SERVICE, agent, handoff_body

SUPERVISOR = agent("emily.carter")
# Monday afternoon UTC: emea (fr, ar) and americas (es, pt, en) are open; each channel/language pair below is
# created ``count`` times.
MIX = [("fr", "whatsapp", 5), ("es", "messenger", 4), ("ar", "line", 2), ("fr", "rest", 1)]


def create_mix(client: TestClient) -> list[str]:
    """Create the handoffs of ``MIX``; their ids in creation order."""
    ids = []
    for language, channel, count in MIX:
        for _ in range(count):
            body = handoff_body(language=language, channel=channel, topic="general")
            response = client.post("/api/v1/handoffs", json=body, headers=SERVICE)
            assert response.status_code == 201, response.text
            ids.append(response.json()["id"])
    return ids


def test_pages_cover_the_list_once_each_in_priority_then_waiting_order(client: TestClient) -> None:
    """Pages of 5 over 12 waiting handoffs: every one exactly once, the total on each page, the last page short."""
    ids = create_mix(client)
    seen: list[str] = []
    for offset in range(0, 15, 5):
        page = client.get(
            "/api/v1/handoffs", params={"status": "queued", "limit": 5, "offset": offset}, headers=SUPERVISOR
        )
        assert page.status_code == 200
        assert page.headers["X-Total-Count"] == "12"
        seen += [h["id"] for h in page.json()]
    assert sorted(ids) == sorted(seen)
    assert len(ids) == len(set(seen))
    last = client.get("/api/v1/handoffs", params={"status": "queued", "limit": 5, "offset": 10}, headers=SUPERVISOR)
    assert len(last.json()) == 2
    beyond = client.get("/api/v1/handoffs", params={"status": "queued", "limit": 5, "offset": 50}, headers=SUPERVISOR)
    assert (beyond.json(), beyond.headers["X-Total-Count"]) == ([], "12")


def test_filters_by_language_channel_and_queue_combine(client: TestClient) -> None:
    """language=fr and channel=whatsapp: exactly the five French WhatsApp handoffs; the total counts the filter."""
    create_mix(client)
    params = {"status": "queued", "language": "fr", "channel": "whatsapp", "limit": 3}
    page = client.get("/api/v1/handoffs", params=params, headers=SUPERVISOR)
    assert page.headers["X-Total-Count"] == "5"
    assert {("fr", "whatsapp")} == {(h["language"], h["channel"]) for h in page.json()}
    americas = client.get("/api/v1/handoffs", params={"queue": "americas"}, headers=SUPERVISOR)
    assert ({"americas"}, "4") == ({h["queue"] for h in americas.json()}, americas.headers["X-Total-Count"])
    assert client.get("/api/v1/handoffs", params={"channel": "x" * 33}, headers=SUPERVISOR).status_code == 422


def test_facets_count_what_each_filter_value_would_show(client: TestClient) -> None:
    """Counts per language, channel and queue of the waiting list; each filter narrows the other dimensions' counts,
    not its own (the console shows what choosing another value would give)."""
    create_mix(client)
    facets = client.get("/api/v1/handoffs/facets", params={"status": "queued"}, headers=SUPERVISOR).json()
    assert facets["total"] == 12
    assert facets["language"] == {"fr": 6, "es": 4, "ar": 2}
    assert facets["channel"] == {"whatsapp": 5, "messenger": 4, "line": 2, "rest": 1}
    assert facets["queue"] == {"emea": 8, "americas": 4}
    params = {"status": "queued", "language": "fr", "channel": "whatsapp"}
    french = client.get("/api/v1/handoffs/facets", params=params, headers=SUPERVISOR).json()
    assert french["total"] == 5
    assert french["channel"] == {"whatsapp": 5, "rest": 1}  # French handoffs per channel
    assert french["language"] == {"fr": 5}  # WhatsApp handoffs per language
    assert french["queue"] == {"emea": 5}


def test_agents_page_and_count_only_what_they_may_see(client: TestClient) -> None:
    """An americas agent's total and counts leave out the emea handoffs."""
    create_mix(client)
    maria = agent("maria.garcia")
    page = client.get("/api/v1/handoffs", params={"status": "queued", "limit": 2}, headers=maria)
    assert ("4", {"americas"}) == (page.headers["X-Total-Count"], {h["queue"] for h in page.json()})
    facets = client.get("/api/v1/handoffs/facets", params={"status": "queued"}, headers=maria).json()
    assert (facets["language"], facets["total"]) == ({"es": 4}, 4)


def test_agent_filter_lists_one_agents_conversations(client: TestClient) -> None:
    """``agent_id`` narrows to conversations assigned to that agent (the console's "My conversations")."""
    ids = create_mix(client)
    claire = agent("claire.dubois")
    assert client.post(f"/api/v1/handoffs/{ids[0]}/claim", headers=claire).status_code == 200
    mine = client.get("/api/v1/handoffs", params={"status": "assigned", "agent_id": "claire.dubois"}, headers=claire)
    assert ([ids[0]], "1") == ([h["id"] for h in mine.json()], mine.headers["X-Total-Count"])
    nobody = client.get("/api/v1/handoffs", params={"agent_id": "omar.haddad"}, headers=ADMIN)
    assert nobody.json() == []


def test_lookup_by_conversation_id_is_unchanged(client: TestClient) -> None:
    """The admin's and the bot's ``conversation_id`` lookup answers the same list as before, plus the header."""
    body = handoff_body(language="fr", topic="general")
    created = client.post("/api/v1/handoffs", json=body, headers=SERVICE).json()
    create_mix(client)
    for headers in (ADMIN, SERVICE):
        found = client.get("/api/v1/handoffs", params={"conversation_id": body["conversation_id"]}, headers=headers)
        assert found.status_code == 200
        assert [created["id"]] == [h["id"] for h in found.json()]
        assert created["conversation_id"] == found.json()[0]["conversation_id"]
        assert found.headers["X-Total-Count"] == "1"
