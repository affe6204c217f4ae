"""The satisfaction survey after a handoff: the rating prompt at hand-back, the rating, the optional comment.

The handoff to rate comes from the handoff service's close notice (entity `csat_handoff_id`, sent only when the
service offers a rating), never from the customer: a customer can answer only for their own conversation's handoff,
and the service checks that again (the conversation, closed, not rated yet). Routing is bot/policies/csat_rules.py.
"""

from __future__ import annotations

import logging
import unicodedata
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.handoff_client import HandoffServiceError
from actions.privacy import log_id
from actions.runtime import Runtime, get_runtime

logger = logging.getLogger(__name__)

OFFER_ENTITY = "csat_handoff_id"
SCORE_ENTITY = "csat_score"
HANDOFF_SLOT = "csat_handoff_id"
STAGE_SLOT = "csat_stage"
STAGE_RATING = "rating"
STAGE_COMMENT = "comment"
SKIP_INTENT = "csat_skip"
SCORES = range(1, 6)
# The handoff service's limit on a comment; a longer one is cut rather than refused.
MAX_COMMENT_CHARS = 2000

SURVEY_OVER: list[EventType] = [SlotSet(HANDOFF_SLOT, None), SlotSet(STAGE_SLOT, None)]


def survey_start(tracker: Tracker, dispatcher: CollectingDispatcher) -> list[EventType]:
    """At hand-back: ask for the rating when the close notice offers one, else end any earlier survey."""
    handoff_id = next(tracker.get_latest_entity_values(OFFER_ENTITY), None)
    if not handoff_id:
        return list(SURVEY_OVER)
    dispatcher.utter_message(response="utter_csat_ask")
    return [SlotSet(HANDOFF_SLOT, str(handoff_id)), SlotSet(STAGE_SLOT, STAGE_RATING)]


def score_of(value: Any) -> int | None:
    """A score from the button's entity or a typed digit in any script; None when it is not 1-5."""
    text = str(value).strip() if value is not None else ""
    if len(text) != 1:
        return None
    digit = unicodedata.decimal(text, None)
    return int(digit) if digit is not None and int(digit) in SCORES else None


class ActionCsatRate(Action):
    """Stores the customer's rating and asks for an optional comment; re-asks on a number outside 1-5."""

    def __init__(self, runtime: Runtime | None = None) -> None:
        self._runtime = runtime

    def name(self) -> str:
        return "action_csat_rate"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        handoff_id = tracker.get_slot(HANDOFF_SLOT)
        if not handoff_id or tracker.get_slot(STAGE_SLOT) != STAGE_RATING:
            dispatcher.utter_message(response="utter_csat_already_rated" if handoff_id else "utter_csat_not_recorded")
            return []
        entity = next(tracker.get_latest_entity_values(SCORE_ENTITY), None)
        score = score_of(entity if entity is not None else tracker.latest_message.get("text"))
        if score is None:
            dispatcher.utter_message(response="utter_csat_invalid")
            dispatcher.utter_message(response="utter_csat_ask")
            return []
        client = (self._runtime or get_runtime()).handoff_client()
        try:
            await client.rate(str(handoff_id), tracker.sender_id, score)
        except HandoffServiceError as error:
            already = error.status_code == 409 and "already rated" in str(error)
            logger.warning("rating of %s not stored (%s)", log_id(tracker.sender_id), error.status_code)
            dispatcher.utter_message(response="utter_csat_already_rated" if already else "utter_csat_not_recorded")
            return list(SURVEY_OVER)
        dispatcher.utter_message(response="utter_csat_comment_ask")
        return [SlotSet(STAGE_SLOT, STAGE_COMMENT)]


class ActionCsatComment(Action):
    """Stores the message after the comment prompt as the rating's comment, or takes Skip; thanks either way."""

    def __init__(self, runtime: Runtime | None = None) -> None:
        self._runtime = runtime

    def name(self) -> str:
        return "action_csat_comment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        handoff_id = tracker.get_slot(HANDOFF_SLOT)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        text = str(tracker.latest_message.get("text") or "").strip()[:MAX_COMMENT_CHARS]
        if intent == SKIP_INTENT or not text or not handoff_id or tracker.get_slot(STAGE_SLOT) != STAGE_COMMENT:
            dispatcher.utter_message(response="utter_csat_thanks")
            return list(SURVEY_OVER)
        client = (self._runtime or get_runtime()).handoff_client()
        try:
            await client.comment(str(handoff_id), tracker.sender_id, text)
        except HandoffServiceError as error:
            logger.warning("comment of %s not stored (%s)", log_id(tracker.sender_id), error.status_code)
            if error.status_code != 409:  # 409: a comment is stored already, the customer's feedback is in
                dispatcher.utter_message(response="utter_csat_not_recorded")
                return list(SURVEY_OVER)
        dispatcher.utter_message(response="utter_csat_thanks")
        return list(SURVEY_OVER)
