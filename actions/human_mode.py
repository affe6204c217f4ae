"""Actions of human mode: relay customer messages to the agent, deliver agent replies, hand back to the bot."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import transcript
from actions.handoff import build_payload
from actions.handoff_client import HandoffServiceError
from actions.runtime import get_runtime

logger = logging.getLogger(__name__)


def relay_text(event: Mapping[str, Any]) -> str:
    """The customer's words, or a placeholder naming what they sent when it is not text (media, location)."""
    text = (event.get("text") or "").strip()
    attachment = (event.get("metadata") or {}).get("attachment")
    if isinstance(attachment, Mapping):
        kind = str(attachment.get("type") or "attachment")
        reference = attachment.get("url") or attachment.get("id") or attachment.get("reference") or ""
        placeholder = f"[{kind}] {reference}".strip()
        return f"{placeholder} {text}".strip() if text and not text.startswith("/") else placeholder
    return text or "[empty message]"


def relayed_message(sender_id: str, event: Mapping[str, Any], language: str) -> dict[str, Any]:
    """The message as the handoff service stores it; Rasa's message id makes retries idempotent."""
    parse_data = event.get("parse_data") or {}
    detected = next(
        (e.get("value") for e in parse_data.get("entities") or [] if e.get("entity") == "detected_language"), None
    )
    message_id = event.get("message_id") or f"{sender_id}:{event.get('timestamp')}"
    return {
        "message_id": str(message_id),
        "text": relay_text(event),
        "timestamp": transcript.iso_timestamp(event.get("timestamp")),
        "language": detected or language,
    }


def latest_user_event(tracker: Tracker) -> dict[str, Any]:
    return next((event for event in reversed(tracker.events) if event.get("event") == "user"), {})


class ActionRelayToAgent(Action):
    """Relays the latest customer message to the agent exactly once and in order; says nothing to the customer."""

    def name(self) -> str:
        return "action_relay_to_agent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        runtime = get_runtime()
        outbox = runtime.outbox()
        sender = tracker.sender_id
        if outbox.has(sender):
            # The handoff itself still waits for the service: keep its transcript complete instead.
            outbox.put(sender, build_payload(tracker), "handoff not delivered yet")
            return []
        message = relayed_message(sender, latest_user_event(tracker), str(tracker.get_slot("language") or "en"))
        if outbox.has_messages(sender):
            outbox.put_message(sender, message["message_id"], message, "queued behind earlier messages")
            runtime.start_outbox_flusher()
            return []
        try:
            delivered = await runtime.handoff_client().relay_message(sender, message)
        except HandoffServiceError as error:
            logger.warning("message %s of %s kept in the outbox: %s", message["message_id"], sender, error)
            outbox.put_message(sender, message["message_id"], message, str(error))
            runtime.start_outbox_flusher()
            return []
        if delivered:
            return []
        # The service has no open handoff any more (closed while the hand-back did not reach us): the bot is back.
        dispatcher.utter_message(response="utter_bot_back")
        return [SlotSet("human_mode", False), SlotSet("handoff_id", None), SlotSet("handoff_status", "closed")]


class ActionDeliverAgentReply(Action):
    """Sends an agent's reply (external intent `agent_reply`) to the customer on their channel."""

    def name(self) -> str:
        return "action_deliver_agent_reply"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = next(tracker.get_latest_entity_values("agent_message"), None)
        agent = next(tracker.get_latest_entity_values("agent_name"), None)
        if text:
            dispatcher.utter_message(text=str(text), metadata={"from_agent": True, "agent_name": agent})
        return []


class ActionHandback(Action):
    """Ends human mode: the bot greets back and asks if anything else is needed, or says goodbye on a close."""

    def name(self) -> str:
        return "action_handback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        dispatcher.utter_message(response="utter_bot_back" if intent == "agent_handback" else "utter_goodbye")
        return [
            SlotSet("human_mode", False),
            SlotSet("handoff_id", None),
            SlotSet("handoff_status", "closed"),
            SlotSet("kb_no_answer_count", 0),
        ]
