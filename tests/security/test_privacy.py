"""Privacy against the running system (as `make run` starts it, demo mode): one erasure through the handoff API
empties every store that held the customer, and the audit says so; retention runs against the real Rasa."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.client import SystemClient, wait_until

pytestmark = pytest.mark.e2e


def _outbox_export(system: SystemClient, sender: str) -> dict[str, Any]:
    """What the action server holds about the conversation, asked with its token."""
    response = httpx.post(
        f"{system.stack.config.actions_url}/privacy/export",
        json={"conversation_id": sender},
        headers={"Authorization": f"Bearer {system.stack.config.internal.action_server_token}"},
        timeout=30,
    )
    response.raise_for_status()
    return dict(response.json())


def _user_texts(system: SystemClient, sender: str) -> list[str]:
    events = system.tracker(sender).get("events") or []
    return [str(event.get("text")) for event in events if event.get("event") == "user"]


def test_erasure_reaches_rasa_mailbox_outbox_and_is_audited(system: SystemClient) -> None:
    """A REST conversation hands off and the customer writes on; after `DELETE /api/v1/customers/<sender>` Rasa's
    tracker API shows none of it, the mailbox is empty, the actions outbox holds nothing, the handoff is gone from
    the conversation's list, and the audit records a complete erasure under a pseudonym."""
    sender = system.new_conversation()
    system.say(sender, "hola")
    system.say(sender, "quiero hablar con una persona")
    wait_until(lambda: system.handoffs_for(sender) or None, timeout=30)
    system.say(sender, "mi IBAN es ES91 2100 0418 4502 0005 1332")
    assert "quiero hablar con una persona" in _user_texts(system, sender)
    assert system.mailbox(sender)

    response = system.handoff.delete(f"/api/v1/customers/{sender}")
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["complete"]
    assert {report["store"]: report["status"] for report in result["stores"]} == {
        "handoff_db": "done",
        "rasa": "done",
        "actions": "done",
    }

    assert _user_texts(system, sender) == []
    assert system.mailbox(sender) == []
    outbox = _outbox_export(system, sender)
    assert all(not rows for rows in outbox["records"].values())
    assert system.handoffs_for(sender) == []
    assert system.handoff.get(f"/api/v1/customers/{sender}/export").status_code == 404

    audit = system.handoff.get("/api/v1/audit").json()
    erased = next(entry for entry in audit if entry["action"] == "customer_erased")
    assert (erased["details"]["customer"], erased["details"]["complete"]) == (result["pseudonym"], True)
    assert sender not in str(audit)


def test_export_includes_the_rasa_tracker(system: SystemClient) -> None:
    """The export of a customer who never reached a person still holds what Rasa stored about them."""
    sender = system.new_conversation()
    system.say(sender, "hello")
    export = system.handoff.get(f"/api/v1/customers/{sender}/export")
    assert export.status_code == 200, export.text
    events = export.json()["stores"]["rasa"][sender]["events"]
    assert "hello" in [event.get("text") for event in events if event.get("event") == "user"]


def test_retention_pass_reaches_rasa(system: SystemClient) -> None:
    """The admin-triggered retention pass talks to the real Rasa with an admin JWT and is accepted."""
    response = system.handoff.post("/api/v1/privacy/retention")
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["ran"], result["errors"]) == (True, {})
    assert isinstance(result["rasa_trackers_purged"], int)


def test_erasure_requires_the_admin_token(system: SystemClient) -> None:
    """Without the admin token nobody erases or exports a customer."""
    anonymous = httpx.Client(base_url=system.stack.config.handoff_url, timeout=30)
    with anonymous:
        assert anonymous.delete("/api/v1/customers/anyone").status_code == 401
        assert anonymous.get("/api/v1/customers/anyone/export").status_code == 401
