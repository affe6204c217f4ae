"""`action_handoff`: hands the conversation to a person through the handoff service and tells the customer."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import transcript
from actions.handoff_client import HandoffAnswer, HandoffClient, HandoffServiceError
from actions.runtime import get_runtime

logger = logging.getLogger(__name__)


def build_payload(tracker: Tracker) -> dict[str, Any]:
    """The handoff request for this conversation, from the tracker alone."""
    events = tracker.events
    language = str(tracker.get_slot("language") or "en")
    intents = transcript.intents_seen(events)
    tried = list(tracker.get_slot("kb_articles_tried") or [])
    slots = {
        name: value
        for name, value in tracker.slots.items()
        if value not in (None, [], "") and name not in {"session_started_metadata", "handoff_id", "handoff_status"}
    }
    reason = transcript.handoff_reason(tracker.get_slot("handoff_reason"), events)
    profile = transcript.customer_profile(events)
    return {
        "conversation_id": tracker.sender_id,
        "channel": tracker.get_latest_input_channel() or "rest",
        "customer_id": tracker.sender_id,
        "customer": profile,
        "language": language,
        "language_confidence": transcript.language_confidence(events, language),
        "transcript": transcript.build_transcript(events),
        "intents": intents,
        "slots": slots,
        "reason": reason,
        "topic": transcript.handoff_topic(intents),
        "priority": "high" if profile.get("vip") or reason == "frustration" else "normal",
        "kb_articles_tried": tried,
        "summary": transcript.summary_line(intents, slots, tried, reason),
    }


def format_opening(opens_at: str) -> str:
    """An ISO 8601 opening time as customers read it: '2026-11-24 09:00 UTC'."""
    moment = datetime.fromisoformat(opens_at.replace("Z", "+00:00"))
    zone = moment.tzname() or "UTC"
    return f"{moment:%Y-%m-%d %H:%M} {'UTC' if zone in {'UTC', 'UTC+00:00'} else zone}"


def customer_message(answer: HandoffAnswer) -> tuple[str, dict[str, Any]]:
    """Which response tells the customer what happens next, with its placeholders."""
    data = answer.data
    if not answer.created:
        return "utter_handoff_already", {}
    if data.get("opens_at"):
        return "utter_handoff_scheduled", {"opens_at": format_opening(str(data["opens_at"]))}
    position = int(data.get("position") or 1)
    if data.get("language_covered") is False:
        return "utter_handoff_uncovered", {"position": position}
    wait_minutes = max(1, round(float(data.get("expected_wait_seconds") or 0) / 60))
    return "utter_handoff_queued", {"position": position, "wait_minutes": wait_minutes}


class ActionHandoff(Action):
    """Posts the handoff (transcript, language, intents, slots, reason) and answers in the customer's language."""

    def __init__(self, client: HandoffClient | None = None) -> None:
        self._client = client

    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        runtime = get_runtime()
        client = self._client or runtime.handoff_client()
        payload = build_payload(tracker)
        try:
            answer = await client.create_handoff(payload)
        except HandoffServiceError as error:
            logger.error("handoff for %s kept in the outbox: %s", tracker.sender_id, error)
            runtime.outbox().put(tracker.sender_id, payload, str(error))
            runtime.start_outbox_flusher()
            dispatcher.utter_message(response="utter_handoff_pending")
            return [SlotSet("human_mode", True), SlotSet("handoff_status", "pending"), SlotSet("handoff_reason", None)]
        response, values = customer_message(answer)
        dispatcher.utter_message(response=response, **values)
        return [
            SlotSet("human_mode", True),
            SlotSet("handoff_id", str(answer.data.get("id"))),
            SlotSet("handoff_status", str(answer.data.get("status"))),
            SlotSet("handoff_reason", None),
        ]
