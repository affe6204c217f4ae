"""A known history for the report tests: handoffs, messages, audit entries and CSAT in the handoff store, and a
small Rasa ``events`` table, placed around the end of summer time in Paris (Sunday 2026-10-25, a 25-hour day)
and the October/November month boundary.

Local dates in Europe/Paris (UTC+2 until 2026-10-25T01:00Z, UTC+1 after):

===  ======================  ============  ==========================================================
id   created (UTC)           Paris date    what happens
===  ======================  ============  ==========================================================
A    2026-10-24 22:30        Sat 10-25     rq-fast, wait 40 s, reply +100 s, closed +1000 s, CSAT 5
B    2026-10-25 00:30        Sun 10-25     rq-fast, wait 90 s (SLA 60), reply +120, closed +400, CSAT 2, 1 transfer
C    2026-10-27 10:00        Tue 10-27     same customer as B (B reopened), rq-slow, wait 30 s, still assigned
D    2026-10-25 23:30        Mon 10-26     rq-slow, still queued (SLA breached by now)
E    2026-10-31 22:59        Sat 10-31     rq-fast, wait 10, reply +20, closed +70, CSAT 4, 2 transfers
F    2026-10-31 23:30        Sun 11-01     same conversation as E (E reopened), wait 200, reply +300, CSAT 1
G    2026-10-23 21:00        Fri 10-23     outside every Paris report (one transfer that must not count)
H    2026-11-01 23:00        Mon 11-02     same customer as F, 23 h after F closed (F reopened); UTC date 11-01
===  ======================  ============  ==========================================================
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from handoff.store.models import AuditEntry, Handoff, Message, Queue


def utc(text: str) -> datetime:
    """``2026-10-24 22:30`` (seconds optional) as an aware UTC datetime."""
    fmt = "%Y-%m-%d %H:%M:%S" if text.count(":") == 2 else "%Y-%m-%d %H:%M"
    return datetime.strptime(text, fmt).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Spec:
    """One handoff of the history; offsets in seconds from ``created``."""

    id: str
    created: str
    queue: str
    conversation: str
    customer: str
    language: str
    channel: str
    topic: str
    reason: str
    agent: str | None = None
    assigned: int | None = None
    closed: int | None = None
    replies: tuple[int, ...] = ()
    csat: int | None = None
    transfers: int = 0


HISTORY = (
    Spec("A", "2026-10-24 22:30", "rq-fast", "conv-a", "cust-a", "es", "whatsapp", "orders", "explicit_request",
         "ag-1", assigned=40, closed=1000, replies=(100, 400), csat=5),
    Spec("B", "2026-10-25 00:30", "rq-fast", "conv-b", "cust-b", "fr", "webchat", "billing", "frustration",
         "ag-2", assigned=90, closed=400, replies=(120,), csat=2, transfers=1),
    Spec("C", "2026-10-27 10:00", "rq-slow", "conv-c", "cust-b", "fr", "webchat", "general", "explicit_request",
         "ag-1", assigned=30),
    Spec("D", "2026-10-25 23:30", "rq-slow", "conv-d", "cust-d", "es", "whatsapp", "orders", "no_kb_answer"),
    Spec("E", "2026-10-31 22:59", "rq-fast", "conv-e", "cust-e", "es", "whatsapp", "orders", "transactional",
         "ag-2", assigned=10, closed=70, replies=(20, 50), csat=4, transfers=2),
    Spec("F", "2026-10-31 23:30", "rq-fast", "conv-e", "cust-f", "es", "whatsapp", "orders", "repeated_failure",
         "ag-1", assigned=200, closed=500, replies=(300,), csat=1),
    Spec("G", "2026-10-23 21:00", "rq-fast", "conv-g", "cust-g", "en", "webchat", "general", "explicit_request",
         "ag-2", assigned=5, closed=50, replies=(10,), csat=3, transfers=1),
    Spec("H", "2026-11-01 23:00", "rq-slow", "conv-h", "cust-f", "ar", "line", "general", "out_of_scope"),
)  # fmt: skip


def _handoff(spec: Spec) -> Handoff:
    created = utc(spec.created)
    after = lambda seconds: None if seconds is None else created + timedelta(seconds=seconds)  # noqa: E731
    closed = after(spec.closed)
    status = "closed" if closed else "assigned" if spec.assigned is not None else "queued"
    return Handoff(
        id=spec.id,
        conversation_id=spec.conversation,
        open_conversation_key=None if closed else spec.id,
        channel=spec.channel,
        customer_id=spec.customer,
        customer={},
        language=spec.language,
        intents=[],
        slots={},
        reason=spec.reason,
        topic=spec.topic,
        priority="normal",
        priority_rank=0,
        kb_articles_tried=[],
        status=status,
        queue=spec.queue,
        agent_id=spec.agent,
        created_at=created,
        queued_at=created,
        assigned_at=after(spec.assigned),
        closed_at=closed,
        csat_score=spec.csat,
        csat_comment="=HYPERLINK(1)" if spec.csat is not None else None,
        csat_at=closed,
    )


def build_handoff_history(sessions: sessionmaker[Session]) -> None:
    """Queues (SLA 60 s and 600 s), the handoffs above, their messages and audit entries."""
    with sessions.begin() as session:
        session.add_all(
            [
                Queue(
                    name=name,
                    sla_seconds=sla,
                    languages=["en", "es", "fr", "ar"],
                    skills=["general", "orders", "billing"],
                )
                for name, sla in (("rq-fast", 60), ("rq-slow", 600))
            ]
        )
        for spec in HISTORY:
            session.add(_handoff(spec))
        session.flush()
        for spec in HISTORY:
            created = utc(spec.created)
            # A transcript line the bot recorded before the handoff: role agent but no agent, never a "reply".
            session.add(
                Message(handoff_id=spec.id, role="agent", text="earlier", timestamp=created - timedelta(seconds=60))
            )
            session.add(
                Message(handoff_id=spec.id, role="customer", text="hi", timestamp=created + timedelta(seconds=1))
            )
            if spec.agent is not None:
                # A private note before any reply does not count as the first response.
                session.add(
                    Message(
                        handoff_id=spec.id, role="agent", text="note", agent_id=spec.agent, private=True,
                        timestamp=created + timedelta(seconds=(spec.assigned or 0) + 1),
                    )
                )  # fmt: skip
            for offset in spec.replies:
                session.add(
                    Message(
                        handoff_id=spec.id, role="agent", text="reply", agent_id=spec.agent,
                        timestamp=created + timedelta(seconds=offset),
                    )
                )  # fmt: skip
            session.add(AuditEntry(at=created, actor="bot", action="created", handoff_id=spec.id, details={}))
            for index in range(spec.transfers):
                session.add(
                    AuditEntry(
                        at=created + timedelta(seconds=50 + index), actor="agent:x", action="transferred",
                        handoff_id=spec.id, details={},
                    )
                )  # fmt: skip


# --- Rasa's tracker store -------------------------------------------------------------------------------------

EVENTS_DDL = (
    "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL, "
    "timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
)


def _user(sender: str, at: str, intent: str, channel: str, text: str = "...", **extra: Any) -> dict[str, Any]:
    entities = extra.pop("entities", [])
    return {
        "sender": sender, "at": at, "type": "user", "intent": intent,
        "data": {"event": "user", "text": text, "input_channel": channel,
                 "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": entities}, **extra},
    }  # fmt: skip


def _slot(sender: str, at: str, name: str, value: Any) -> dict[str, Any]:
    return {"sender": sender, "at": at, "type": "slot", "data": {"event": "slot", "name": name, "value": value}}


def _bot(sender: str, at: str, response: str | None) -> dict[str, Any]:
    metadata = {"utter_action": response} if response else {}
    return {"sender": sender, "at": at, "type": "bot", "data": {"event": "bot", "text": "...", "metadata": metadata}}


def _action(sender: str, at: str, name: str) -> dict[str, Any]:
    return {"sender": sender, "at": at, "type": "action", "action": name, "data": {"event": "action", "name": name}}


def _choice(article: str) -> list[dict[str, Any]]:
    return [{"entity": "kb_article", "value": article, "start": 0, "end": 1}]


# In id order, as Rasa appends them. Paris dates: conv-a and conv-x on Sun 10-25; conv-d on 10-25 (22:50 UTC is
# 23:50 CET) and 10-26 (23:10 UTC is 00:10 CET); conv-seed on 10-26 with its language set weeks before;
# conv-out on Tue 10-27 (23:30 UTC on 10-26 is 00:30 CET).
TRACKER_EVENTS = (
    _slot("conv-seed", "2026-10-01 10:00", "language", "ar"),
    _user("conv-a", "2026-10-24 22:20", "greet", "whatsapp"),
    _action("conv-a", "2026-10-24 22:20:01", "action_language_policy"),
    _slot("conv-a", "2026-10-24 22:20:01", "language", "es"),
    _user("conv-a", "2026-10-24 22:21", "faq", "whatsapp"),
    _slot("conv-a", "2026-10-24 22:21:01", "kb_last_article", "shipping-times"),
    _slot("conv-a", "2026-10-24 22:21:01", "kb_no_answer_count", 0.0),
    _user("conv-a", "2026-10-24 22:25", "faq", "whatsapp"),
    _slot("conv-a", "2026-10-24 22:25:01", "kb_last_article", None),
    _slot("conv-a", "2026-10-24 22:25:01", "kb_no_answer_count", 1.0),
    _user("conv-a", "2026-10-24 22:28", "request_human", "whatsapp"),
    _user("conv-a", "2026-10-24 22:35", "agent_reply", "whatsapp", text="EXTERNAL: agent_reply",
          metadata={"is_external": True}),
    _bot("conv-a", "2026-10-24 22:35:01", None),
    _user("conv-x", "2026-10-25 09:00", "faq", "socketio", text="délai de livraison"),
    _slot("conv-x", "2026-10-25 09:00:01", "language", "fr"),
    _bot("conv-x", "2026-10-25 09:00:02", "utter_kb_clarify"),
    _slot("conv-x", "2026-10-25 09:00:02", "kb_last_article", None),
    _user("conv-x", "2026-10-25 09:01", "faq", "socketio", text='/faq{"kb_article":"returns"}',
          entities=_choice("returns")),
    _slot("conv-x", "2026-10-25 09:01:01", "kb_last_article", "returns"),
    _user("conv-x", "2026-10-25 09:02", "faq", "socketio"),
    _bot("conv-x", "2026-10-25 09:02:01", "utter_kb_clarify"),
    _user("conv-x", "2026-10-25 09:03", "faq", "socketio", text='/faq{"kb_article":"none"}', entities=_choice("none")),
    _bot("conv-x", "2026-10-25 09:03:01", "utter_kb_clarify_declined"),
    _user("conv-x", "2026-10-25 09:04", "nlu_fallback", "socketio"),
    _user("conv-d", "2026-10-25 22:50", "greet", "whatsapp"),
    _slot("conv-d", "2026-10-25 22:50:01", "language", "es"),
    _user("conv-d", "2026-10-25 23:10", "request_human", "whatsapp"),
    _user("conv-seed", "2026-10-26 12:00", "greet", "line"),
    _user("conv-seed", "2026-10-26 12:01", "nlu_fallback", "line"),
    _user("conv-seed", "2026-10-26 12:02", "change_language", "line"),
    _slot("conv-seed", "2026-10-26 12:02:01", "language", "en"),
    _user("conv-out", "2026-10-26 23:30", "greet", "webchat"),
)  # fmt: skip


def build_tracker(url: str) -> None:
    """Create Rasa's ``events`` table at ``url`` and fill it with ``TRACKER_EVENTS``."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(EVENTS_DDL))
            for index, event in enumerate(TRACKER_EVENTS, start=1):
                data = {**event["data"], "timestamp": utc(event["at"]).timestamp()}
                connection.execute(
                    sa.text(
                        "INSERT INTO events (id, sender_id, type_name, timestamp, intent_name, action_name, data) "
                        "VALUES (:id, :sender, :type, :ts, :intent, :action, :data)"
                    ),
                    {
                        "id": index, "sender": event["sender"], "type": event["type"],
                        "ts": utc(event["at"]).timestamp(), "intent": event.get("intent"),
                        "action": event.get("action"), "data": json.dumps(data),
                    },
                )  # fmt: skip
    finally:
        engine.dispose()
