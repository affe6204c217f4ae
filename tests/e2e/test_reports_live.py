"""Reports on the real system as `make run` starts it: the handoff service reads what Rasa wrote to its tracker
store (the launcher points it there) and the handoffs the actions created."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.e2e.client import SystemClient

pytestmark = pytest.mark.e2e


def figures(system: SystemClient, report: str, **params: str) -> list[dict[str, Any]]:
    """Today's rows (UTC) of a report, read with the admin token."""
    today = datetime.now(UTC).date().isoformat()
    response = system.handoff.get(f"/api/v1/reports/{report}", params={"from": today, "to": today, **params})
    response.raise_for_status()
    body = response.json()
    assert body["available"] is True, body
    rows: list[dict[str, Any]] = body["rows"]
    return rows


def spanish(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return next((row for row in rows if row["group"] == "es"), {})


def served(rows: list[dict[str, Any]], article: str) -> int:
    return sum(row["served"] for row in rows if row["language"] == "es" and row["article"] == article)


def test_bot_figures_count_what_customers_did(system: SystemClient) -> None:
    """Two Spanish conversations: one answered from the knowledge base (contained), one handed to a person."""
    before = spanish(figures(system, "conversations", group_by="language"))
    articles_before = served(figures(system, "articles"), "shipping-times")

    contained = system.new_conversation()
    system.say(contained, "hola")
    system.say(contained, "¿cuánto tarda el envío?")
    handed = system.new_conversation()
    system.say(handed, "hola")
    system.say(handed, "quiero hablar con una persona")
    assert system.handoffs_for(handed), "no handoff was created"

    after = spanish(figures(system, "conversations", group_by="language"))
    delta = {key: after[key] - before.get(key, 0) for key in ("conversations", "handed_off", "user_messages")}
    assert delta == {"conversations": 2, "handed_off": 1, "user_messages": 4}
    assert served(figures(system, "articles"), "shipping-times") == articles_before + 1
