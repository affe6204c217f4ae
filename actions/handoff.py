"""`action_handoff`: hands the conversation to a person through the handoff service and tells the customer."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import transcript
from actions.handoff_client import HandoffAnswer, HandoffClient, HandoffServiceError
from actions.identity import ChannelMismatchError, recorded_channel
from actions.names import Slot
from actions.privacy import log_id
from actions.runtime import Runtime, get_runtime
from actions.times import customer_zone, format_moment, format_wait, parse_instant

logger = logging.getLogger(__name__)


# The payload fields that carry what the customer entered (as strings, at any depth): the handoff service redacts
# these when redaction is on. Every other field is an identifier or a value the bot chose.
CUSTOMER_ENTERED_FIELDS = ("transcript", "slots", "customer")

# Slots that are the bot's own bookkeeping, not something the customer said or the agent needs.
INTERNAL_SLOTS = frozenset({"session_started_metadata", "handoff_id", "handoff_status", "human_mode"})


def priority_for(reason: str) -> str:
    """The priority the bot may ask for: `high` only for what it observed itself; VIP is the service's call."""
    return "high" if reason == "frustration" else "normal"


def build_payload(tracker: Tracker) -> dict[str, Any]:
    """The handoff request for this conversation, from the tracker alone.

    Raises ChannelMismatchError when the conversation id's channel is not the one its messages came in on.
    Everything the customer entered travels as strings inside `CUSTOMER_ENTERED_FIELDS`.
    """
    events = tracker.events
    language = str(tracker.get_slot(Slot.LANGUAGE) or "en")
    intents = transcript.intents_seen(events)
    tried = list(tracker.get_slot(Slot.KB_ARTICLES_TRIED) or [])
    slots = {
        name: value
        for name, value in tracker.slots.items()
        if value not in (None, [], "") and name not in INTERNAL_SLOTS
    }
    reason = transcript.handoff_reason(tracker.get_slot(Slot.HANDOFF_REASON), events)
    profile = transcript.customer_profile(events)
    return {
        "conversation_id": tracker.sender_id,
        "channel": recorded_channel(tracker.sender_id, tracker.get_latest_input_channel()),
        "customer_id": tracker.sender_id,
        "customer": profile,
        "language": language,
        "language_confidence": transcript.language_confidence(events, language),
        "transcript": transcript.build_transcript(events),
        "intents": intents,
        "slots": slots,
        "reason": reason,
        "topic": transcript.handoff_topic(intents),
        "priority": priority_for(reason),
        "kb_articles_tried": tried,
    }


def customer_message(
    answer: HandoffAnswer, language: str = "en", customer_timezone: str | None = None
) -> tuple[str, dict[str, Any]]:
    """Which response tells the customer what happens next, with its placeholders; an opening time is in the
    customer's zone (from the channel, else the profile the service holds), else the queue's, in `language`."""
    data = answer.data
    if not answer.created:
        return "utter_handoff_already", {}
    if data.get("opens_at"):
        profile = data.get("customer")
        known = customer_timezone or (profile.get("timezone") if isinstance(profile, dict) else None)
        zone = customer_zone(known, data.get("queue_timezone"))
        return "utter_handoff_scheduled", {
            "opens_at": format_moment(parse_instant(str(data["opens_at"])), language, zone)
        }
    position = int(data.get("position") or 1)
    if data.get("language_covered") is False:
        return "utter_handoff_uncovered", {"position": position}
    wait_seconds = float(data.get("expected_wait_seconds") or 0)
    wait_minutes = max(1, round(wait_seconds / 60))
    return "utter_handoff_queued", {
        "position": position,
        "wait_minutes": wait_minutes,
        "wait": format_wait(wait_seconds, language),
    }


class ActionHandoff(Action):
    """Posts the handoff (transcript, language, intents, slots, reason) and answers in the customer's language."""

    def __init__(self, client: HandoffClient | None = None, runtime: Runtime | None = None) -> None:
        self._client = client
        self._runtime = runtime

    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        runtime = self._runtime or get_runtime()
        client = self._client or runtime.handoff_client()
        sender = tracker.sender_id
        try:
            payload = build_payload(tracker)
        except ChannelMismatchError as error:
            logger.error("handoff of %s refused: %s", log_id(sender), error)
            dispatcher.utter_message(response="utter_handoff_failed")
            return [SlotSet(Slot.HANDOFF_STATUS, "failed"), SlotSet(Slot.HANDOFF_REASON, None)]
        try:
            answer = await client.create_handoff(payload)
        except HandoffServiceError as error:
            if not error.retryable:
                # Retrying cannot change a rejection: keep it for inspection and let the customer try again later.
                logger.error("handoff of %s rejected (%s): dead letter", log_id(sender), error.status_code)
                runtime.outbox().add_dead_handoff(sender, payload, error.status_code, str(error), told=True)
                dispatcher.utter_message(response="utter_handoff_failed")
                return [
                    SlotSet(Slot.HUMAN_MODE, False),
                    SlotSet(Slot.HANDOFF_STATUS, "failed"),
                    SlotSet(Slot.HANDOFF_REASON, None),
                ]
            logger.error("handoff of %s kept in the outbox (%s)", log_id(sender), error.status_code)
            runtime.outbox().put(sender, payload, str(error))
            runtime.outbox().settle_failures(sender)
            runtime.start_outbox_flusher()
            dispatcher.utter_message(response="utter_handoff_pending")
            return [
                SlotSet(Slot.HUMAN_MODE, True),
                SlotSet(Slot.HANDOFF_STATUS, "pending"),
                SlotSet(Slot.HANDOFF_REASON, None),
            ]
        # An earlier failure the customer was not told about yet must not end this new handoff at their next message.
        runtime.outbox().settle_failures(sender)
        response, values = customer_message(answer, payload["language"], payload["customer"].get("timezone"))
        dispatcher.utter_message(response=response, **values)
        return [
            SlotSet(Slot.HUMAN_MODE, True),
            SlotSet(Slot.HANDOFF_ID, str(answer.data.get("id"))),
            SlotSet(Slot.HANDOFF_STATUS, str(answer.data.get("status"))),
            SlotSet(Slot.HANDOFF_REASON, None),
        ]
