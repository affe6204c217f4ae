"""Customer satisfaction: the close notice offers a rating, the bot posts the rating and comment once, for the
conversation's own closed handoff; supervisors and the customer's history show them (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from handoff.adapters.delivery import deliver_due
from handoff.services.inactivity import CLOSE_CUSTOMER_INACTIVE, sweep
from tests.handoff.testkit import ADMIN, SERVICE, FrozenClock, RasaStandIn, agent, handoff_body


def closed_handoff(client: TestClient, *, return_to_bot: bool = True, **overrides: Any) -> dict[str, Any]:
    """A French handoff claimed by Claire and closed by her."""
    created = client.post("/api/v1/handoffs", json=handoff_body(language="fr", topic="general", **overrides),
                          headers=SERVICE).json()  # fmt: skip
    client.post(f"/api/v1/handoffs/{created['id']}/claim", headers=agent("claire.dubois"))
    closed = client.post(
        f"/api/v1/handoffs/{created['id']}/close",
        json={"resolution": "answered", "return_to_bot": return_to_bot},
        headers=agent("claire.dubois"),
    )
    assert closed.status_code == 200, closed.text
    return dict(closed.json())


def rate(client: TestClient, handoff: dict[str, Any], score: Any, conversation_id: str | None = None) -> Any:
    body = {"conversation_id": conversation_id or handoff["conversation_id"], "score": score}
    return client.post(f"/api/v1/handoffs/{handoff['id']}/csat", json=body, headers=SERVICE)


def comment(client: TestClient, handoff: dict[str, Any], text: str, conversation_id: str | None = None) -> Any:
    body = {"conversation_id": conversation_id or handoff["conversation_id"], "comment": text}
    return client.post(f"/api/v1/handoffs/{handoff['id']}/csat/comment", json=body, headers=SERVICE)


def test_rating_and_comment_are_stored_with_the_handoff_and_shown_to_supervisors(client: TestClient) -> None:
    """A rating then a comment land on the handoff: its detail, the admin listing by conversation, the supervisors'
    list of ratings and the audit log show them."""
    handoff = closed_handoff(client)
    stored = rate(client, handoff, 4)
    assert stored.status_code == 200, stored.text
    assert (stored.json()["score"], stored.json()["comment"]) == (4, None)
    assert comment(client, handoff, "  Claire was quick and kind  ").json()["comment"] == "Claire was quick and kind"

    detail = client.get(f"/api/v1/handoffs/{handoff['id']}", headers=agent("emily.carter")).json()
    assert (detail["csat_score"], detail["csat_comment"]) == (4, "Claire was quick and kind")
    assert detail["csat_at"] is not None
    [listed] = client.get("/api/v1/handoffs", params={"conversation_id": handoff["conversation_id"]},
                          headers=ADMIN).json()  # fmt: skip
    assert (listed["csat_score"], listed["csat_comment"]) == (4, "Claire was quick and kind")
    recent = client.get("/api/v1/csat", headers=agent("emily.carter")).json()
    assert [(r["handoff_id"], r["agent_id"], r["score"]) for r in recent] == [(handoff["id"], "claire.dubois", 4)]
    actions = [e["action"] for e in client.get("/api/v1/audit", params={"handoff_id": handoff["id"]},
                                                headers=ADMIN).json()]  # fmt: skip
    assert {"rated", "rating_commented"} <= set(actions)


def test_the_close_notice_offers_a_rating_only_when_the_bot_takes_over_after_an_agent(
    client: TestClient, rasa: RasaStandIn
) -> None:
    """agent_handback names the handoff to rate; agent_close and a supervisor's close of a waiting handoff do not."""
    back = closed_handoff(client)
    ended = closed_handoff(client, return_to_bot=False)
    waiting = client.post("/api/v1/handoffs", json=handoff_body(language="fr", topic="general"), headers=SERVICE).json()
    client.post(f"/api/v1/handoffs/{waiting['id']}/close", json={"resolution": "spam"}, headers=ADMIN)
    deliver_due(client.app.state.context, client.app.state.delivery_port)  # type: ignore[attr-defined]
    notices = {c["path"].split("/")[2]: c["json"] for c in rasa.calls}
    assert notices[back["conversation_id"]]["entities"] == {"resolution": "answered", "csat_handoff_id": back["id"]}
    assert notices[ended["conversation_id"]]["entities"] == {"resolution": "answered"}
    assert notices[waiting["conversation_id"]]["entities"] == {"resolution": "spam"}
    for handoff in (ended, waiting):
        refused = rate(client, handoff, 5)
        assert refused.status_code == 409
        assert "not offered" in refused.json()["detail"]


def test_a_second_rating_and_a_second_comment_are_refused(client: TestClient) -> None:
    """The first answer stays; the second is a 409 that says why."""
    handoff = closed_handoff(client)
    assert rate(client, handoff, 2).status_code == 200
    second = rate(client, handoff, 5)
    assert (second.status_code, "already rated" in second.json()["detail"]) == (409, True)
    assert comment(client, handoff, "slow").status_code == 200
    assert comment(client, handoff, "very slow").status_code == 409
    detail = client.get(f"/api/v1/handoffs/{handoff['id']}", headers=ADMIN).json()
    assert (detail["csat_score"], detail["csat_comment"]) == (2, "slow")


def test_another_conversations_handoff_cannot_be_rated(client: TestClient) -> None:
    """A rating sent for conversation B naming A's handoff is "not found", and A's handoff stays unrated."""
    handoff = closed_handoff(client)
    other = closed_handoff(client)
    refused = rate(client, handoff, 1, conversation_id=other["conversation_id"])
    assert refused.status_code == 404
    assert comment(client, handoff, "x", conversation_id=other["conversation_id"]).status_code == 404
    assert client.get(f"/api/v1/handoffs/{handoff['id']}", headers=ADMIN).json()["csat_score"] is None


def test_an_open_handoff_cannot_be_rated_nor_commented_before_a_rating(client: TestClient) -> None:
    """Queued or assigned: 409; a comment without a rating: 409."""
    created = client.post("/api/v1/handoffs", json=handoff_body(language="fr", topic="general"), headers=SERVICE).json()
    queued = rate(client, created, 5)
    assert (queued.status_code, queued.json()["status"]) == (409, "queued")
    client.post(f"/api/v1/handoffs/{created['id']}/claim", headers=agent("claire.dubois"))
    assert rate(client, created, 5).json()["status"] == "assigned"
    unrated = closed_handoff(client)
    assert comment(client, unrated, "great").status_code == 409


@pytest.mark.parametrize(
    "score",
    [
        0,  # below the scale
        6,  # above the scale
        -1,  # negative
        "five",  # not a number
        None,  # missing
    ],
)
def test_scores_outside_one_to_five_are_a_clear_422(client: TestClient, score: Any) -> None:
    """The error names the field; nothing is stored."""
    handoff = closed_handoff(client)
    refused = rate(client, handoff, score)
    assert (refused.status_code, refused.json()["fields"]) == (422, ["score"])
    assert client.get(f"/api/v1/handoffs/{handoff['id']}", headers=ADMIN).json()["csat_score"] is None


def test_ratings_come_only_from_the_bots_service_key_and_only_supervisors_list_them(client: TestClient) -> None:
    """An agent cannot rate (403); an agent cannot read the supervisors' list (403); no token is 401."""
    handoff = closed_handoff(client)
    body = {"conversation_id": handoff["conversation_id"], "score": 5}
    assert (
        client.post(f"/api/v1/handoffs/{handoff['id']}/csat", json=body, headers=agent("claire.dubois")).status_code
        == 403
    )
    assert client.post(f"/api/v1/handoffs/{handoff['id']}/csat", json=body).status_code == 401
    assert client.get("/api/v1/csat", headers=agent("claire.dubois")).status_code == 403


def test_a_handoff_closed_for_customer_inactivity_cannot_be_rated(client: TestClient, clock: FrozenClock) -> None:
    """The inactivity sweep hands the conversation back without asking, so the API refuses a rating for it too."""
    created = client.post("/api/v1/handoffs", json=handoff_body(language="fr", topic="general"), headers=SERVICE).json()
    client.post(f"/api/v1/handoffs/{created['id']}/claim", headers=agent("claire.dubois"))
    client.post(f"/api/v1/handoffs/{created['id']}/replies", json={"text": "Bonjour ?"}, headers=agent("claire.dubois"))
    clock.advance(hours=3)
    assert sweep(client.app.state.context)[CLOSE_CUSTOMER_INACTIVE] == 1  # type: ignore[attr-defined]
    refused = rate(client, created, 5)
    assert (refused.status_code, "not offered" in refused.json()["detail"]) == (409, True)


def test_a_rating_after_the_window_is_refused(client: TestClient, clock: FrozenClock) -> None:
    """A day after the close the conversation is too old to rate."""
    handoff = closed_handoff(client)
    clock.advance(hours=24, seconds=1)
    late = rate(client, handoff, 3)
    assert (late.status_code, "closed more than" in late.json()["detail"]) == (409, True)
    clock.now -= timedelta(seconds=2)
    assert rate(client, handoff, 3).status_code == 200


def test_erasing_the_customer_erases_the_comment_and_keeps_the_score(client: TestClient) -> None:
    """The comment is the customer's words and goes with them; the score stays for the figures, and the erased
    conversation can no longer rate."""
    handoff = closed_handoff(client, customer_id="erase-me")
    rate(client, handoff, 3)
    comment(client, handoff, "call me on +34 600 000 000")
    client.delete("/api/v1/customers/erase-me", headers=ADMIN)
    stored = client.get(f"/api/v1/handoffs/{handoff['id']}", headers=ADMIN).json()
    assert (stored["csat_score"], stored["csat_comment"]) == (3, None)
    assert comment(client, handoff, "again").status_code == 404
