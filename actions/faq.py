"""``action_answer_faq``: answer a general question from the knowledge base, or say so and offer a person."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.kb_runtime import RetrieverHolder, get_retriever_holder
from kb import Hit, KbError, language_name

logger = logging.getLogger(__name__)

__all__ = ["NO_ANSWERS_BEFORE_HANDOFF", "ActionAnswerFaq", "faq_events"]

NO_ANSWERS_BEFORE_HANDOFF = 2


def _tried(tracker: Tracker) -> list[str]:
    value = tracker.get_slot("kb_articles_tried")
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
            SlotSet("kb_last_article", hit.article_id),
            SlotSet("kb_last_score", hit.score),
            SlotSet("kb_last_language", hit.language),
            SlotSet("kb_articles_tried", tried),
            # Only no-answers in a row lead to a person: an answered question starts the count again.
            SlotSet("kb_no_answer_count", 0.0),
        ]
    dispatcher.utter_message(response="utter_kb_no_answer")
    count = int(tracker.get_slot("kb_no_answer_count") or 0) + 1
    events: list[EventType] = [
        SlotSet("kb_last_article", None),
        SlotSet("kb_last_score", best_score),
        SlotSet("kb_last_language", None),
        SlotSet("kb_no_answer_count", float(count)),
    ]
    if count >= NO_ANSWERS_BEFORE_HANDOFF:
        events += [SlotSet("handoff_reason", "no_kb_answer"), FollowupAction("action_handoff")]
    return events


class ActionAnswerFaq(Action):
    """Answers from the KB in the customer's language; records article, score and language in slots."""

    def __init__(self, holder: RetrieverHolder | None = None) -> None:
        # The action server pickles registered actions into its worker process, so the
        # process-wide holder (which owns a lock) is looked up at run time, not stored.
        self._holder = holder

    def name(self) -> str:
        """Action name in the domain."""
        return "action_answer_faq"

    def _decide(self, text: str, language: str) -> tuple[Hit | None, float | None]:
        retriever = (self._holder or get_retriever_holder()).get()
        best = retriever.top(text, language)
        if best is None:
            return None, None
        return (best if best.score >= retriever.threshold_for(language) else None), best.score

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Search off the event loop, then answer or count a no-answer (handing off on the second)."""
        text = str(tracker.latest_message.get("text") or "")
        language = str(tracker.get_slot("language") or "en")
        try:
            hit, best_score = await asyncio.to_thread(self._decide, text, language)
        except KbError:
            logger.exception("knowledge base unavailable; answering as 'no answer'")
            hit, best_score = None, None
        if hit is not None:
            logger.info("faq %s -> %s (%s, %.4f)", tracker.sender_id, hit.article_id, hit.language, hit.score)
        return faq_events(hit, best_score, tracker, dispatcher)
