"""The conversation language: established by the first confident message, sticky, moved by two in a row
(`bot.policies.language_rules`), and LanguagePolicy applying it to a real Rasa tracker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.policies.language import LanguagePolicy
from bot.policies.language_rules import Detected, LanguageState, next_state

NEW = LanguageState("en", established=False)
FR = LanguageState("fr", established=True)


@pytest.mark.parametrize(
    ("state", "detected", "intent", "expected"),
    [
        # nothing established: any confident message sets it, whatever its intent and whatever decided it
        (NEW, Detected("es", "hint"), "affirm", LanguageState("es", True)),
        (NEW, Detected("ar", "script"), "affirm", LanguageState("ar", True)),
        (NEW, Detected("fr", "lexicon"), "thank_you", LanguageState("fr", True)),
        (NEW, Detected("en", "model"), "greet", LanguageState("en", True)),
        # nothing confident: nothing changes, nothing is established
        (NEW, None, "affirm", NEW),
        (FR, None, "faq", FR),
        # established: one short message in another language is only a candidate...
        (FR, Detected("ar", "script", 3), "affirm", LanguageState("fr", True, "ar")),
        (FR, Detected("ar", "script", 14), "faq", LanguageState("fr", True, "ar")),
        # ...the second in a row in that language moves it
        (LanguageState("fr", True, "ar"), Detected("ar", "script"), "thank_you", LanguageState("ar", True)),
        # one long message its script or the detectors place in another language moves it at once...
        (FR, Detected("ar", "script", 15), "request_human", LanguageState("ar", True)),
        (FR, Detected("es", "model", 30), "faq", LanguageState("es", True)),
        # ...but not when only the lexicon's word or the channel's hint decided
        (FR, Detected("es", "lexicon", 30), "faq", LanguageState("fr", True, "es")),
        (FR, Detected("es", "hint", 30), "faq", FR),
        # a message confidently in the established language ends the run
        (LanguageState("fr", True, "ar"), Detected("fr", "model"), "faq", FR),
        # a run in a third language starts again from one
        (LanguageState("fr", True, "ar"), Detected("zh", "script"), "faq", LanguageState("fr", True, "zh")),
        # an unsure message in between neither continues nor ends the run
        (LanguageState("fr", True, "ar"), None, "affirm", LanguageState("fr", True, "ar")),
        # the channel's hint is the same on every message: it never moves an established language
        (FR, Detected("es", "hint"), "affirm", FR),
        (LanguageState("fr", True, "es"), Detected("es", "hint"), "affirm", LanguageState("fr", True, "es")),
        # an explicit request establishes what it asked for (the slot mapping already set it)
        (LanguageState("pt", False), None, "change_language", LanguageState("pt", True)),
        (LanguageState("pt", True, "ar"), Detected("ar", "script"), "change_language", LanguageState("pt", True)),
    ],
)
def test_next_state(state: LanguageState, detected: Detected | None, intent: str, expected: LanguageState) -> None:
    """The conversation language after one message, for each situation."""
    assert expected == next_state(state, detected, intent)


DOMAIN = Domain.from_dict(
    {
        "intents": ["affirm", "faq", "agent_reply"],
        "entities": ["detected_language"],
        "slots": {
            "language": {"type": "text", "initial_value": "en", "mappings": [{"type": "custom"}]},
            "language_established": {"type": "bool", "initial_value": False, "mappings": [{"type": "custom"}]},
            "language_candidate": {"type": "text", "mappings": [{"type": "custom"}]},
        },
    }
)


@pytest.fixture
def policy(tmp_path: Path) -> LanguagePolicy:
    """The policy as Rasa creates it from config.yml."""
    return LanguagePolicy(
        LanguagePolicy.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("language_policy"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def message(text: str, intent: str, language: str | None, method: str = "script") -> UserUttered:
    """A customer message as the NLU pipeline leaves it: intent, language entity, detection record."""
    entities = [{"entity": "detected_language", "value": language}] if language else []
    letters = sum(char.isalpha() for char in text)
    parse_data: dict[str, Any] = {
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities,
        "language_detection": {"language": language, "method": method, "letters": letters},
    }
    return UserUttered(text, parse_data["intent"], entities, parse_data)


def turn(policy: LanguagePolicy, tracker: DialogueStateTracker, user: UserUttered) -> list[Any]:
    """One customer message: the policy's events at the first prediction are applied, as Rasa's ensemble does."""
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(user)
    prediction = policy.predict_action_probabilities(tracker, DOMAIN)
    tracker.update_with_events(prediction.events, DOMAIN)
    assert max(prediction.probabilities) == 0.0, "the policy never predicts an action"
    return prediction.events


def test_policy_moves_the_slot_after_two_arabic_messages(policy: LanguagePolicy) -> None:
    """French, then two Arabic messages: French after the first Arabic one, Arabic after the second."""
    tracker = DialogueStateTracker.from_events("c", [], slots=DOMAIN.slots)
    turn(policy, tracker, message("bonjour, j'ai une question", "faq", "fr", "model"))
    assert (tracker.get_slot("language"), tracker.get_slot("language_established")) == ("fr", True)
    turn(policy, tracker, message("نعم", "affirm", "ar"))
    assert (tracker.get_slot("language"), tracker.get_slot("language_candidate")) == ("fr", "ar")
    turn(policy, tracker, message("شكرا", "affirm", "ar"))
    assert (tracker.get_slot("language"), tracker.get_slot("language_candidate")) == ("ar", None)


def test_policy_decides_once_per_message(policy: LanguagePolicy) -> None:
    """Later predictions in the same turn add nothing, so one Arabic message cannot count as two."""
    tracker = DialogueStateTracker.from_events("c", [], slots=DOMAIN.slots)
    turn(policy, tracker, message("bonjour", "faq", "fr", "lexicon"))
    turn(policy, tracker, message("نعم", "affirm", "ar"))
    assert policy.predict_action_probabilities(tracker, DOMAIN).events == []
    tracker.update(ActionExecuted("action_answer_offer"))
    assert policy.predict_action_probabilities(tracker, DOMAIN).events == []
    assert tracker.get_slot("language") == "fr"


def test_agent_events_do_not_count(policy: LanguagePolicy) -> None:
    """An agent's reply (external intent) is not the customer's language."""
    tracker = DialogueStateTracker.from_events("c", [], slots=DOMAIN.slots)
    assert turn(policy, tracker, message("EXTERNAL: agent_reply", "agent_reply", "ar")) == []
    assert (tracker.get_slot("language"), tracker.get_slot("language_established")) == ("en", False)


def test_policy_moves_at_once_on_a_full_sentence(policy: LanguagePolicy) -> None:
    """French, then a whole Arabic sentence: Arabic from that message on (its reply is already in Arabic)."""
    tracker = DialogueStateTracker.from_events("c", [], slots=DOMAIN.slots)
    turn(policy, tracker, message("bonjour, j'ai une question", "faq", "fr", "model"))
    turn(policy, tracker, message("أريد التحدث مع موظف من فضلك", "faq", "ar"))
    assert (tracker.get_slot("language"), tracker.get_slot("language_candidate")) == ("ar", None)
