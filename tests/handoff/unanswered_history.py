"""A known day of unanswered questions (2026-11-10 UTC) for the unanswered-questions tests: Rasa tracker events and
handoffs. Bitcoin payment asked in en (twice), es, fr and zh; a wet parcel in es and en; served questions, an agent's
relayed reply and a question of the next day that do not count."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from handoff.store.models import Handoff, Message
from tests.handoff.reports_history import EVENTS_DDL

DAY = {"from": "2026-11-10", "to": "2026-11-10"}


def at(clock: str) -> float:
    """``HH:MM`` on 2026-11-10 UTC as a Unix time."""
    return datetime.strptime(f"2026-11-10 {clock}", "%Y-%m-%d %H:%M").replace(tzinfo=UTC).timestamp()


def user(sender: str, clock: str, intent: str, text: str, **extra: Any) -> tuple[str, str, float, str | None, dict]:
    """A customer message as Rasa stores it."""
    data = {"event": "user", "text": text, "input_channel": "rest",
            "parse_data": {"intent": {"name": intent}, "entities": extra.pop("entities", [])}, **extra}  # fmt: skip
    return sender, "user", at(clock), intent, data


def slot(sender: str, clock: str, name: str, value: Any) -> tuple[str, str, float, str | None, dict]:
    """A slot change."""
    return sender, "slot", at(clock), None, {"event": "slot", "name": name, "value": value}


def bot(sender: str, clock: str, response: str) -> tuple[str, str, float, str | None, dict]:
    """A bot utterance of ``response``."""
    return sender, "bot", at(clock), None, {"event": "bot", "text": "...", "metadata": {"utter_action": response}}


DECLINE = [{"entity": "kb_article", "value": "none"}]
EVENTS = (
    # NLU fallback, twice the same question (case differs).
    slot("en-1", "09:00", "language", "en"),
    user("en-1", "09:01", "nlu_fallback", "can I pay with bitcoin?"),
    user("en-2", "09:05", "nlu_fallback", "Can I pay with Bitcoin?"),
    slot("en-2", "09:05", "language", "en"),
    # KB no answer; this conversation is also handed off for repeated failure (counted once).
    slot("es-1", "09:10", "language", "es"),
    user("es-1", "09:11", "faq", "¿puedo pagar con bitcoin?"),
    slot("es-1", "09:11", "kb_no_answer_count", 1.0),
    # "None of these" declines the clarified question, not the button click.
    user("fr-1", "09:20", "faq", "je peux payer en bitcoin ?"),
    slot("fr-1", "09:20", "language", "fr"),
    bot("fr-1", "09:20", "utter_kb_clarify"),
    user("fr-1", "09:21", "faq", '/faq{"kb_article":"none"}', entities=DECLINE),
    bot("fr-1", "09:21", "utter_kb_clarify_declined"),
    # Rasa's fallback action (core fallback) on a message that had an intent; the e-mail address is masked.
    slot("es-2", "10:00", "language", "es"),
    user("es-2", "10:01", "faq", "el paquete llegó mojado y roto, escribid a ana.perez@example.com"),
    slot("es-2", "10:01", "kb_no_answer_count", 1.0),
    user("en-3", "10:05", "affirm", "my parcel arrived wet and the box was torn"),
    slot("en-3", "10:05", "language", "en"),
    bot("en-3", "10:05", "utter_default"),
    # Served questions, an agent's relayed reply and a question the next day do not count.
    user("en-4", "11:00", "order_status", "where is my order NB-123456"),
    slot("en-4", "11:00", "language", "en"),
    user("en-4", "11:05", "agent_reply", "EXTERNAL: agent_reply", metadata={"is_external": True}),
    ("en-5", "user", at("23:59") + 120, "nlu_fallback", {"event": "user", "text": "can I pay with bitcoin?"}),
)


def build_tracker(url: str) -> None:
    """Rasa's ``events`` table with ``EVENTS``."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(EVENTS_DDL))
            for index, (sender, kind, timestamp, intent, data) in enumerate(EVENTS, start=1):
                connection.execute(
                    sa.text("INSERT INTO events (id, sender_id, type_name, timestamp, intent_name, data) "
                            "VALUES (:id, :sender, :kind, :ts, :intent, :data)"),
                    {"id": index, "sender": sender, "kind": kind, "ts": timestamp, "intent": intent,
                     "data": json.dumps({**data, "timestamp": timestamp})},
                )  # fmt: skip
    finally:
        engine.dispose()


def handoff(hid: str, conversation: str, language: str, reason: str, clock: str) -> Handoff:
    """A queued handoff created at ``clock``."""
    created = datetime.fromtimestamp(at(clock), UTC)
    return Handoff(
        id=hid, conversation_id=conversation, open_conversation_key=hid, channel="rest", customer_id=conversation,
        customer={}, language=language, intents=[], slots={}, reason=reason, topic="general", priority="normal",
        priority_rank=0, kb_articles_tried=[], status="queued", queue="americas", created_at=created,
        queued_at=created,
    )  # fmt: skip


def build_handoffs(sessions: sessionmaker[Session]) -> None:
    """Two repeated-failure handoffs (one on a question the tracker already counted) and one explicit request."""

    def message(hid: str, role: str, text: str, clock: str) -> Message:
        return Message(handoff_id=hid, role=role, text=text, timestamp=datetime.fromtimestamp(at(clock), UTC))

    with sessions.begin() as session:
        session.add_all([
            handoff("h-zh", "zh-1", "zh", "repeated_failure", "12:00"),
            handoff("h-es", "es-1", "es", "repeated_failure", "09:12"),
            handoff("h-en", "en-9", "en", "explicit_request", "12:30"),
        ])  # fmt: skip
        session.flush()
        session.add_all([
            message("h-zh", "customer", "你好", "11:58"),
            message("h-zh", "customer", "我可以用比特币支付吗", "11:59"),
            message("h-zh", "customer", "after the handoff", "12:01"),
            message("h-es", "customer", "¿puedo pagar con bitcoin?", "09:11"),
            message("h-en", "customer", "I want a person", "12:29"),
        ])  # fmt: skip
