"""Actions of human mode: relay customer messages to the agent, deliver agent replies, hand back to the bot."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import transcript
from actions.csat import SURVEY_OVER, survey_start
from actions.handoff import build_payload
from actions.handoff_client import HandoffServiceError
from actions.identity import ChannelMismatchError
from actions.names import Intent, Slot
from actions.privacy import log_id
from actions.runtime import Runtime, get_runtime
from actions.templates import whatsapp_template

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


def message_id_of(sender_id: str, event: Mapping[str, Any]) -> str:
    """Rasa's id of a customer message (what makes relaying it idempotent)."""
    return str(event.get("message_id") or f"{sender_id}:{event.get('timestamp')}")


def relayed_message(sender_id: str, event: Mapping[str, Any], language: str) -> dict[str, Any]:
    """The message as the handoff service stores it; Rasa's message id makes retries idempotent."""
    parse_data = event.get("parse_data") or {}
    detected = next(
        (e.get("value") for e in parse_data.get("entities") or [] if e.get("entity") == "detected_language"), None
    )
    return {
        "message_id": message_id_of(sender_id, event),
        "text": relay_text(event),
        "timestamp": transcript.iso_timestamp(event.get("timestamp")),
        "language": detected or language,
        # The conversation's language now: a change reaches the open handoff (and its routing) with the message.
        "conversation_language": language,
    }


def messages_to_relay(
    sender_id: str, events: Sequence[Mapping[str, Any]], handed_on: set[str]
) -> list[Mapping[str, Any]]:
    """Customer messages since the latest handoff that were not handed on yet, oldest first.

    Earlier messages travelled in the handoff's transcript; a turn whose relay never ran (action server or handoff
    service down) is picked up by the next one, so the agent misses nothing and sees nothing twice.
    """
    start = 0
    for index, event in enumerate(events):
        if event.get("event") == "action" and event.get("name") == "action_handoff":
            start = index + 1
    return [
        event
        for event in events[start:]
        if event.get("event") == "user"
        and ((event.get("parse_data") or {}).get("intent") or {}).get("name") not in transcript.EXTERNAL_INTENTS
        and message_id_of(sender_id, event) not in handed_on
    ]


# Rasa's text for an external event (`/trigger_intent`, which only holders of its API credential may call).
EXTERNAL_TEXT_PREFIX = "EXTERNAL: "


def from_handoff_service(latest_message: Mapping[str, Any]) -> bool:
    """Whether the latest message is an external event the handoff service triggered, not something a customer
    wrote (typed `/agent_reply{...}` keeps its own text)."""
    intent = (latest_message.get("intent") or {}).get("name")
    return bool(intent) and latest_message.get("text") == f"{EXTERNAL_TEXT_PREFIX}{intent}"


BOT_BACK: list[EventType] = [
    SlotSet(Slot.HUMAN_MODE, False),
    SlotSet(Slot.HANDOFF_ID, None),
    SlotSet(Slot.HANDOFF_STATUS, "closed"),
]
HANDOFF_FAILED: list[EventType] = [
    SlotSet(Slot.HUMAN_MODE, False),
    SlotSet(Slot.HANDOFF_ID, None),
    SlotSet(Slot.HANDOFF_STATUS, "failed"),
]


class ActionRelayToAgent(Action):
    """Relays every customer message since the last relayed one to the agent, exactly once and in order; says
    nothing to the customer unless something could not be passed on."""

    def __init__(self, runtime: Runtime | None = None) -> None:
        self._runtime = runtime

    def name(self) -> str:
        return "action_relay_to_agent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        runtime = self._runtime or get_runtime()
        outbox = runtime.outbox()
        sender = tracker.sender_id
        failure = outbox.take_untold_failure(sender)
        if failure is not None and failure.kind == "handoff":
            # The kept handoff was rejected for good: nobody will answer, so the bot takes the conversation back.
            dispatcher.utter_message(response="utter_handoff_failed")
            outbox.forget_relayed(sender)
            return list(HANDOFF_FAILED)
        if failure is not None:
            dispatcher.utter_message(response="utter_relay_failed")
        pending = messages_to_relay(sender, tracker.events, outbox.relayed(sender))
        if not pending:
            return []
        if outbox.has(sender):
            # The handoff itself still waits for the service: keep its transcript complete instead.
            try:
                outbox.put(sender, build_payload(tracker), "handoff not delivered yet")
            except ChannelMismatchError as error:
                logger.error("kept handoff of %s not updated: %s", log_id(sender), error)
            outbox.mark_relayed(sender, [message_id_of(sender, event) for event in pending])
            return []
        language = str(tracker.get_slot(Slot.LANGUAGE) or "en")
        return await self._relay(dispatcher, runtime, sender, [relayed_message(sender, e, language) for e in pending])

    async def _relay(
        self, dispatcher: CollectingDispatcher, runtime: Runtime, sender: str, messages: list[dict[str, Any]]
    ) -> list[EventType]:
        outbox = runtime.outbox()
        client = runtime.handoff_client()
        for index, message in enumerate(messages):
            if outbox.has_messages(sender):
                self._keep(runtime, sender, messages[index:], "queued behind earlier messages")
                return []
            try:
                delivered = await client.relay_message(sender, message)
            except HandoffServiceError as error:
                if error.retryable:
                    logger.warning("messages of %s kept in the outbox (%s)", log_id(sender), error.status_code)
                    self._keep(runtime, sender, messages[index:], str(error))
                    return []
                logger.error("message of %s rejected (%s): dead letter", log_id(sender), error.status_code)
                outbox.add_dead_message(sender, message["message_id"], message, error.status_code, str(error))
                outbox.mark_relayed(sender, [message["message_id"]])
                dispatcher.utter_message(response="utter_relay_failed")
                continue
            if not delivered:
                # The service has no open handoff any more (closed while the hand-back did not reach us).
                outbox.forget_relayed(sender)
                dispatcher.utter_message(response="utter_bot_back")
                return list(BOT_BACK)
            outbox.mark_relayed(sender, [message["message_id"]])
        return []

    @staticmethod
    def _keep(runtime: Runtime, sender: str, messages: list[dict[str, Any]], error: str) -> None:
        outbox = runtime.outbox()
        for message in messages:
            outbox.put_message(sender, message["message_id"], message, error)
        outbox.mark_relayed(sender, [message["message_id"] for message in messages])
        runtime.start_outbox_flusher()


def agent_attachment(tracker: Tracker) -> dict[str, Any] | None:
    """The file an agent's reply carries, as Rasa's attachment (`type` image or file, `payload` src and name)."""
    url = next(tracker.get_latest_entity_values("attachment_url"), None)
    if not url:
        return None
    kind = next(tracker.get_latest_entity_values("attachment_type"), None)
    name = next(tracker.get_latest_entity_values("attachment_name"), None)
    return {"type": "image" if kind == "image" else "file", "payload": {"src": str(url), "name": str(name or "")}}


# The entity naming an agent reply, which its bot message keeps in its metadata.
REPLY_ID = "reply_id"


def reply_delivered(events: Sequence[Mapping[str, Any]], reply_id: str) -> bool:
    """Whether a bot message in the conversation already delivered the reply `reply_id` (metadata an action gives a
    message is nested under "metadata" by Rasa; both places are read)."""
    for event in events:
        if event.get("event") != "bot":
            continue
        metadata = event.get("metadata") or {}
        if reply_id in (metadata.get(REPLY_ID), (metadata.get("metadata") or {}).get(REPLY_ID)):
            return True
    return False


class ActionDeliverAgentReply(Action):
    """Sends an agent's reply (external intent `agent_reply`) to the customer on their channel, once: a reply the
    handoff service delivers again (it died before recording the first delivery) sends nothing."""

    def name(self) -> str:
        return "action_deliver_agent_reply"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if not from_handoff_service(tracker.latest_message):
            logger.warning("agent reply refused for %s: not an external event", log_id(tracker.sender_id))
            return []
        reply_id = next(tracker.get_latest_entity_values(REPLY_ID), None)
        if reply_id is not None and reply_delivered(tracker.events, str(reply_id)):
            logger.info("agent reply %s to %s already delivered: not sent again", reply_id, log_id(tracker.sender_id))
            return []
        text = next(tracker.get_latest_entity_values("agent_message"), None)
        agent = next(tracker.get_latest_entity_values("agent_name"), None)
        template = whatsapp_template(tracker)
        sent_file = agent_attachment(tracker)
        metadata: dict[str, Any] = {"from_agent": True, "agent_name": agent}
        if reply_id is not None:
            metadata[REPLY_ID] = str(reply_id)
        tag = next(tracker.get_latest_entity_values("message_tag"), None)
        if tag:  # the handoff service decided the platform's window; the channel sends the tag it chose
            metadata["message_tag"] = str(tag)
        if template is not None:
            dispatcher.utter_message(json_message=template, metadata=metadata)
        elif sent_file is not None:
            # The file itself goes; its transcript label ("[file] name") is for the agent, not the customer.
            dispatcher.utter_message(attachment=sent_file, metadata=metadata)
        elif text:
            dispatcher.utter_message(text=str(text), metadata=metadata)
        return []


class ActionHandback(Action):
    """Ends human mode: the bot greets back and asks if anything else is needed (then for a rating, when the close
    notice offers one), or says goodbye on a close."""

    def __init__(self, runtime: Runtime | None = None) -> None:
        self._runtime = runtime

    def name(self) -> str:
        return "action_handback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if not from_handoff_service(tracker.latest_message):
            logger.warning("hand-back refused for %s: not an external event", log_id(tracker.sender_id))
            return []
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        # The handoff is over: which of its messages were relayed no longer matters (a new handoff starts afresh).
        (self._runtime or get_runtime()).outbox().forget_relayed(tracker.sender_id)
        window_closed = next(tracker.get_latest_entity_values("window_closed"), None) == "true"
        template = whatsapp_template(tracker)
        if template is not None:
            dispatcher.utter_message(json_message=template)
        elif not window_closed:  # the platform would reject free-form text; the service recorded it visibly
            dispatcher.utter_message(response="utter_bot_back" if intent == Intent.AGENT_HANDBACK else "utter_goodbye")
        # A conversation the agent ended (agent_close) is not asked for a rating; the service offers none then either.
        offer = intent == Intent.AGENT_HANDBACK and not window_closed
        survey = survey_start(tracker, dispatcher) if offer else list(SURVEY_OVER)
        return [
            SlotSet(Slot.HUMAN_MODE, False),
            SlotSet(Slot.HANDOFF_ID, None),
            SlotSet(Slot.HANDOFF_STATUS, "closed"),
            SlotSet(Slot.KB_NO_ANSWER_COUNT, 0),
            *survey,
        ]
