"""``action_answer_faq``: answer a general question from the knowledge base, or say so and offer a person."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import escalation
from actions.kb_runtime import RetrieverHolder, get_retriever_holder
from actions.names import Slot
from actions.privacy import log_id
from kb import Decision, DecisionKind, Hit, KbDecision, KbError, language_name

logger = logging.getLogger(__name__)

__all__ = [
    "ARTICLE_ENTITY",
    "DECLINE",
    "ActionAnswerFaq",
    "button_payload",
    "chosen_article",
    "clarify_events",
    "declined_events",
    "faq_events",
]

# A clarification button sends `/faq{"kb_article": "<article id>"}`; "none of these" names DECLINE.
ARTICLE_ENTITY = "kb_article"
DECLINE = "none"


def _tried(tracker: Tracker) -> list[str]:
    value = tracker.get_slot(Slot.KB_ARTICLES_TRIED)
    return [str(item) for item in value] if isinstance(value, list) else []


def faq_events(
    hit: Hit | None, best_score: float | None, tracker: Tracker, dispatcher: CollectingDispatcher
) -> list[EventType]:
    """Messages and slot events for one FAQ turn, given the retriever's decision (pure apart from the dispatcher)."""
    if hit is not None:
        if hit.translated:
            dispatcher.utter_message(
                response="utter_kb_other_language_note",
                article_language=hit.language,
                article_language_name=language_name(hit.language, hit.requested_language),
            )
        dispatcher.utter_message(text=hit.answer)
        tried = _tried(tracker)
        if hit.article_id not in tried:
            tried.append(hit.article_id)
        return [
            SlotSet(Slot.KB_LAST_ARTICLE, hit.article_id),
            SlotSet(Slot.KB_LAST_SCORE, hit.score),
            SlotSet(Slot.KB_LAST_LANGUAGE, hit.language),
            SlotSet(Slot.KB_ARTICLES_TRIED, tried),
            # Only no-answers in a row lead to a person: an answered question starts the count again.
            SlotSet(Slot.KB_NO_ANSWER_COUNT, 0.0),
            *escalation.resolved_turn(),
        ]
    # No answer is one unresolved turn of the escalation ladder, counted like any other kind (it says so, offers a
    # person or hands off); kb_no_answer_count still counts the no-answers in a row for those who read it.
    count = int(tracker.get_slot(Slot.KB_NO_ANSWER_COUNT) or 0) + 1
    return [
        SlotSet(Slot.KB_LAST_ARTICLE, None),
        SlotSet(Slot.KB_LAST_SCORE, best_score),
        SlotSet(Slot.KB_LAST_LANGUAGE, None),
        SlotSet(Slot.KB_NO_ANSWER_COUNT, float(count)),
        *escalation.unresolved_turn(tracker, dispatcher, escalation.Unresolved.KB_NO_ANSWER),
    ]


def chosen_article(message: Mapping[str, Any]) -> str | None:
    """The article a clarification button named (``/faq{"kb_article": "<id>"}``; DECLINE for "none of these")."""
    for entity in message.get("entities") or []:
        if isinstance(entity, Mapping) and entity.get("entity") == ARTICLE_ENTITY and entity.get("value"):
            return str(entity["value"])
    return None


def button_payload(article_id: str) -> str:
    """The payload of the button that chooses ``article_id`` (or DECLINE): an ``faq`` message naming it."""
    return "/faq" + json.dumps({ARTICLE_ENTITY: article_id}, separators=(",", ":"))


def response_text(domain: Mapping[str, Any], response: str, language: str) -> str | None:
    """The text of ``response`` for ``language`` from the domain's conditional variations (None when missing)."""
    fallback: str | None = None
    for variation in (domain.get("responses") or {}).get(response) or []:
        conditions = variation.get("condition") or []
        if any(item.get("name") == "language" and item.get("value") == language for item in conditions):
            return str(variation.get("text") or "") or None
        if not conditions or any(item.get("value") == "en" for item in conditions):
            fallback = fallback or str(variation.get("text") or "") or None
    return fallback


def clarify_events(
    hits: Sequence[Hit], language: str, dispatcher: CollectingDispatcher, domain: Mapping[str, Any]
) -> list[EventType]:
    """Ask which article the customer means: their titles as buttons in the customer's language, and "none of these"."""
    buttons = [{"title": hit.title, "payload": button_payload(hit.article_id)} for hit in hits]
    decline = response_text(domain, "utter_kb_clarify_none_button", language) or "None of these"
    buttons.append({"title": decline, "payload": button_payload(DECLINE)})
    dispatcher.utter_message(response="utter_kb_clarify", buttons=buttons)
    return [SlotSet(Slot.KB_LAST_ARTICLE, None)]


def declined_events(tracker: Tracker, dispatcher: CollectingDispatcher, domain: Mapping[str, Any]) -> list[EventType]:
    """ "None of these": say so, and count one unresolved turn of the escalation ladder."""
    dispatcher.utter_message(response="utter_kb_clarify_declined")
    return escalation.unresolved_turn(tracker, dispatcher, escalation.Unresolved.DECLINED_CLARIFICATION)


class ActionAnswerFaq(Action):
    """Answers from the KB in the customer's language; records article, score and language in slots."""

    def __init__(self, holder: RetrieverHolder | None = None) -> None:
        # The action server pickles registered actions into its worker process, so the
        # process-wide holder (which owns a lock) is looked up at run time, not stored.
        self._holder = holder

    def name(self) -> str:
        """Action name in the domain."""
        return "action_answer_faq"

    def _decide(self, text: str, language: str) -> KbDecision:
        return (self._holder or get_retriever_holder()).get().decide(text, language)

    def _chosen(self, article_id: str, language: str) -> Hit | None:
        return (self._holder or get_retriever_holder()).get().hit_for(article_id, language)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """A chosen button answers its article (or declines); a question is answered, clarified or not answered."""
        text = str(tracker.latest_message.get("text") or "")
        language = str(tracker.get_slot(Slot.LANGUAGE) or "en")
        chosen = chosen_article(tracker.latest_message)
        if chosen == DECLINE:
            return declined_events(tracker, dispatcher, domain)
        try:
            if chosen is not None:
                hit = await asyncio.to_thread(self._chosen, chosen, language)
                result = KbDecision(
                    Decision(DecisionKind.ANSWER if hit else DecisionKind.NONE), [hit] if hit else [], None
                )
            else:
                result = await asyncio.to_thread(self._decide, text, language)
        except KbError:
            logger.exception("knowledge base unavailable; answering as 'no answer'")
            result = KbDecision(Decision(DecisionKind.NONE), [], None)
        if result.kind is DecisionKind.CLARIFY and len(result.hits) >= 2:
            logger.info("faq %s -> clarify %s", log_id(tracker.sender_id), [hit.article_id for hit in result.hits])
            return clarify_events(result.hits, language, dispatcher, domain)
        hit = result.hits[0] if result.kind is DecisionKind.ANSWER and result.hits else None
        if hit is not None:
            logger.info("faq %s -> %s (%s, %.4f)", log_id(tracker.sender_id), hit.article_id, hit.language, hit.score)
        return faq_events(hit, result.best_score, tracker, dispatcher)
