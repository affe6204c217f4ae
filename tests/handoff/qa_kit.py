"""Builders of conversations for the quality-review tests: messages as (role, text, seconds after the handoff)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from handoff.adapters.config_loader import DEMO_DIR
from handoff.qa.conversation import Conversation, QaMessage
from handoff.qa.rules import RuleSet, load_rules

START = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
AGENT = "maria.garcia"


def demo_rules(queue: str = "emea") -> RuleSet:
    """The shipped rules (handoff/demo/qa_rules.yml) of ``queue``."""
    return load_rules(DEMO_DIR / "qa_rules.yml").for_queue(queue)


def msg(role: str, text: str, seconds: float, **extra: Any) -> dict[str, Any]:
    """A message ``seconds`` after the handoff (negative: the bot's transcript before it)."""
    return {"role": role, "text": text, "seconds": seconds, **extra}


def customer(text: str, seconds: float, **extra: Any) -> dict[str, Any]:
    return msg("customer", text, seconds, **extra)


def agent(text: str, seconds: float, **extra: Any) -> dict[str, Any]:
    return msg("agent", text, seconds, agent_id=AGENT, **extra)


def note(text: str, seconds: float) -> dict[str, Any]:
    return msg("note", text, seconds, agent_id=AGENT, private=True)


def conversation(
    language: str,
    messages: list[dict[str, Any]],
    *,
    closed_after: float | None = None,
    sla: int | None = 300,
    agent_id: str | None = AGENT,
    queue: str = "emea",
) -> Conversation:
    """A closed conversation in ``language``; it closes a minute after its last message unless told."""
    built = []
    for index, spec in enumerate(messages, start=1):
        data = dict(spec)
        seconds = data.pop("seconds")
        data.setdefault("language", language if data["role"] == "customer" else None)
        built.append(QaMessage(id=index, timestamp=START + timedelta(seconds=seconds), **data))
    last = max((spec["seconds"] for spec in messages), default=0)
    closed = START + timedelta(seconds=closed_after if closed_after is not None else last + 60)
    return Conversation(
        handoff_id="h-1",
        queue=queue,
        language=language,
        created_at=START,
        closed_at=closed,
        sla_seconds=sla,
        agent_id=agent_id,
        messages=tuple(built),
    )
