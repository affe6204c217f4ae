"""``/api/v1/qa``: supervisors and admins only; the review queue lowest score first with filters and paging; one
review with the exact failing messages; confirm/dismiss decisions audited; clear 4xx errors (SQLite, PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from handoff.qa.worker import Reviewer
from tests.handoff.qa_history import good_handoff, poor_handoff
from tests.handoff.testkit import ADMIN, SERVICE, FrozenClock, agent

SUPERVISOR = agent("emily.carter")


@pytest.fixture
def reviewed(client: TestClient, app: FastAPI, clock: FrozenClock) -> dict[str, str]:
    """A good and a poor Spanish handoff in the americas queue, reviewed by the app's reviewer."""
    ids = {"good": good_handoff(client, clock), "poor": poor_handoff(client, clock)}
    reviewer: Reviewer = app.state.qa_reviewer
    assert reviewer.run_until_idle() == 2
    return ids


def get(client: TestClient, path: str, headers: dict[str, str] = SUPERVISOR, **params: Any) -> Any:
    return client.get(f"/api/v1/qa{path}", params=params, headers=headers)


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),  # no token
        ({"Authorization": "Bearer not-a-token"}, 401),  # unknown token
        (agent("maria.garcia"), 403),  # an agent
        (SERVICE, 403),  # the bot's service key
        (SUPERVISOR, 200),
        (ADMIN, 200),
    ],
)
def test_only_supervisors_and_admins_read_reviews(client: TestClient, headers: dict[str, str], status: int) -> None:
    """Every route answers 401 without a valid token and 403 to agents and the bot."""
    assert get(client, "/reviews", headers).status_code == status
    decided = client.post("/api/v1/qa/findings/1/decision", json={"decision": "confirm"}, headers=headers)
    assert decided.status_code == (404 if status == 200 else status)


def test_review_queue_lowest_score_first_with_filters_and_paging(client: TestClient, reviewed: dict[str, str]) -> None:
    """The poor handoff leads; max_score, queue and status narrow the list; X-Total-Count counts the whole list."""
    listed = get(client, "/reviews")
    assert listed.status_code == 200
    rows = listed.json()
    assert [r["handoff_id"] for r in rows] == [reviewed["poor"], reviewed["good"]]
    assert listed.headers["X-Total-Count"] == "2"
    poor = rows[0]
    assert poor["score"] < 30 and rows[1]["score"] == 100
    assert (poor["agent_id"], poor["language"], poor["open_findings"]) == ("maria.garcia", "es", 7)
    assert "tone" in poor["failed_checks"] and rows[1]["failed_checks"] == []
    assert [r["handoff_id"] for r in get(client, "/reviews", max_score=50).json()] == [reviewed["poor"]]
    assert [r["handoff_id"] for r in get(client, "/reviews", status="open").json()] == [reviewed["poor"]]
    assert get(client, "/reviews", queue=poor["queue"]).headers["X-Total-Count"] == "2"
    assert get(client, "/reviews", queue="no-such-queue").json() == []
    page = get(client, "/reviews", limit=1, offset=1)
    assert ([r["handoff_id"] for r in page.json()], page.headers["X-Total-Count"]) == ([reviewed["good"]], "2")


def test_a_review_shows_the_exact_failing_messages(client: TestClient, reviewed: dict[str, str]) -> None:
    """Each finding names its messages by id and carries their stored text; every check's outcome is listed."""
    review = get(client, f"/reviews/{reviewed['poor']}").json()
    findings = {f["check"]: f for f in review["findings"]}
    rude = "Calm down, it is not my fault. The card on file is 4111 1111 1111 1111"
    assert [m["text"] for m in findings["tone"]["messages"]] == [rude]
    assert findings["tone"]["message_ids"] == [findings["tone"]["messages"][0]["id"]]
    assert [m["text"] for m in findings["personal_data"]["messages"]] == [rude]
    assert "4111" not in findings["personal_data"]["detail"]
    assert [m["text"] for m in findings["unanswered_question"]["messages"]] == ["¿Y cuándo llega mi pedido?"]
    assert findings["language"]["detail"] == "1 reply not in the customer's language: en instead of es"
    assert {f["status"] for f in review["findings"]} == {"open"}
    assert {c["check"] for c in review["checks"]} == {
        "first_response", "language", "silence", "unanswered_question", "personal_data", "greeting", "closing", "tone",
    }  # fmt: skip
    assert [c["passed"] for c in review["checks"] if c["check"] == "silence"] == [True]
    assert review["rules_version"]


def test_confirm_and_dismiss_are_audited(client: TestClient, reviewed: dict[str, str]) -> None:
    """Emily dismisses the greeting finding with a note and confirms the tone one; both land in the audit log with
    who, the previous and new status; the review queue's status filter follows."""
    findings = {f["check"]: f for f in get(client, f"/reviews/{reviewed['poor']}").json()["findings"]}
    dismissed = client.post(
        f"/api/v1/qa/findings/{findings['greeting']['id']}/decision",
        json={"decision": "dismiss", "note": "  greeted by voice first  "},
        headers=SUPERVISOR,
    )
    assert dismissed.status_code == 200, dismissed.text
    body = dismissed.json()
    assert (body["status"], body["decided_by"], body["decision_note"]) == (
        "dismissed",
        "agent:emily.carter",
        "greeted by voice first",
    )
    confirmed = client.post(
        f"/api/v1/qa/findings/{findings['tone']['id']}/decision", json={"decision": "confirm"}, headers=ADMIN
    )
    assert confirmed.json()["status"] == "confirmed"
    audit = client.get("/api/v1/audit", params={"handoff_id": reviewed["poor"]}, headers=ADMIN).json()
    decisions = [e for e in audit if e["action"] == "qa_finding_decided"]
    assert [(e["actor"], e["from_status"], e["to_status"], e["details"]["check"]) for e in reversed(decisions)] == [
        ("agent:emily.carter", "open", "dismissed", "greeting"),
        ("admin", "open", "confirmed", "tone"),
    ]
    assert decisions[-1]["details"]["note"] == "greeted by voice first"
    assert [r["handoff_id"] for r in get(client, "/reviews", status="dismissed").json()] == [reviewed["poor"]]
    summary = get(client, "/reviews", max_score=50).json()[0]
    assert (summary["open_findings"], summary["confirmed_findings"], summary["dismissed_findings"]) == (5, 1, 1)


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("get", "/reviews/no-such-handoff", None, 404),  # never reviewed
        ("post", "/findings/999999/decision", {"decision": "confirm"}, 404),  # unknown finding
        ("post", "/findings/0/decision", {"decision": "confirm"}, 422),  # ids start at 1
        ("post", "/findings/99999999999/decision", {"decision": "confirm"}, 422),  # beyond an integer column
        ("post", "/findings/1/decision", {"decision": "maybe"}, 422),  # unknown decision
        ("post", "/findings/1/decision", {}, 422),  # missing decision
        ("post", "/findings/1/decision", {"decision": "confirm", "extra": 1}, 422),  # unknown field
        ("post", "/findings/1/decision", {"decision": "confirm", "note": "x" * 1001}, 422),  # note too long
        ("get", "/reviews?max_score=101", None, 422),  # scores are 0-100
        ("get", "/reviews?status=closed", None, 422),  # not a finding status
        ("get", "/reviews?limit=0", None, 422),  # pages hold at least one
    ],
)
def test_bad_requests_get_clear_errors(
    client: TestClient, reviewed: dict[str, str], method: str, path: str, body: Any, status: int
) -> None:
    """Every bad input is a 4xx with a message; nothing changes."""
    response = client.request(method.upper(), f"/api/v1/qa{path}", json=body, headers=SUPERVISOR)
    assert response.status_code == status, response.text
    assert response.json()["detail"]
    assert get(client, "/reviews").headers["X-Total-Count"] == "2"


def test_an_erased_customer_message_leaves_the_finding_without_its_text(
    client: TestClient, reviewed: dict[str, str]
) -> None:
    """After erasure the findings stay (for the agent's record) but no customer words are shown."""
    erased = client.delete("/api/v1/customers/customer-1", headers=ADMIN)
    assert erased.status_code in (200, 202), erased.text
    review = get(client, f"/reviews/{reviewed['poor']}").json()
    assert all(f["messages"] == [] for f in review["findings"])
    assert review["findings"]
