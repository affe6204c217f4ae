"""LanguagePolicy: keeps the conversation's `language` slot by the rules of `language_rules` (sticky, established by
the first confident message, moved by two confident messages in a row in another language).

It never predicts an action. On the first prediction after a customer message it returns slot events, which Rasa's
policy ensemble applies whichever policy wins, before the action chosen for that message runs: the reply to the
very message that established or moved the language is already in that language. In human mode the events apply
too, so the relay to the agent carries the new language.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.policies.fixed import FixedPolicy
from bot.policies.language_rules import Detected, LanguageState, next_state

# Intents the handoff service sends through Rasa's external-event endpoint: an agent's words are not the customer's.
EXTERNAL_INTENTS = frozenset({"agent_reply", "agent_handback", "agent_close"})


def detected_in(parse_data: dict[str, Any], entity_name: str) -> Detected | None:
    """The confident detection the NLU pipeline put on one message (an entity), with the method that decided it."""
    language = next((e.get("value") for e in parse_data.get("entities") or [] if e.get("entity") == entity_name), None)
    if not isinstance(language, str) or not language:
        return None
    record = parse_data.get("language_detection") or {}
    if not isinstance(record, dict):
        record = {}
    letters = record.get("letters")
    return Detected(language, str(record.get("method") or "model"), letters if isinstance(letters, int) else 0)


def already_decided(tracker: DialogueStateTracker, marker_slot: str) -> bool:
    """Whether this policy's events for the latest customer message are already on the tracker."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, SlotSet) and event.key == marker_slot:
            return True
    return False


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class LanguagePolicy(FixedPolicy):
    """Sets the conversation language from the NLU's per-message detection; predicts no action."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # Lowest priority: it never competes for the action, it only contributes slot events.
            "priority": 0,
            # The entity the language detector and the domain lexicon emit when they are confident.
            "entity_name": "detected_language",
            # The conversation language (responses are conditional on it; the handoff carries it).
            "language_slot": "language",
            # Bool slot: a customer message (or an explicit request) has established the language.
            "established_slot": "language_established",
            # Text slot: another language the previous confident message was in (first of two in a row).
            "candidate_slot": "language_candidate",
            # A message with at least this many letters that its script or the detectors place in another language
            # moves an established language at once (a full sentence); shorter ones need a second in a row. 0: never.
            "long_message_letters": 15,
        }

    def configure(self, config: dict[str, Any]) -> None:
        self._entity = str(config["entity_name"])
        self._language = str(config["language_slot"])
        self._established = str(config["established_slot"])
        self._candidate = str(config["candidate_slot"])
        self._long_message_letters = int(config["long_message_letters"])

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        return self._prediction(probabilities, events=self.language_events(tracker))

    def language_events(self, tracker: DialogueStateTracker) -> list[Event]:
        """Slot events for the customer message just received; none at later predictions of the same turn."""
        if tracker.latest_action_name != ACTION_LISTEN_NAME or already_decided(tracker, self._candidate):
            return []
        message = tracker.latest_message
        intent = (message.intent or {}).get("name") if message else None
        if message is None or not message.text or intent in EXTERNAL_INTENTS:
            return []
        before = LanguageState(
            language=str(tracker.get_slot(self._language) or "en"),
            established=bool(tracker.get_slot(self._established)),
            candidate=tracker.get_slot(self._candidate),
        )
        detected = detected_in(message.parse_data, self._entity)
        after = next_state(before, detected, intent, self._long_message_letters)
        events: list[Event] = []
        if after.language != before.language:
            events.append(SlotSet(self._language, after.language))
        if after.established != before.established:
            events.append(SlotSet(self._established, after.established))
        # Always set, so that a second prediction in the same turn sees the turn was decided.
        events.append(SlotSet(self._candidate, after.candidate))
        return events
