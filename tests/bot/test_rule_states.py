"""bot/speedups/rule_states.py: RulePolicy decides exactly as Rasa's does while describing only the recent turns.

The policy is trained on the project's own domain and rules; long conversations (forms, fallbacks, every intent, in a
window of 200 events as the tracker store gives them) are predicted turn by turn both ways.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME, REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.generator import TrainingDataGenerator
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.importers.importer import TrainingDataImporter

from bot.speedups import rule_states

ROOT = Path(__file__).resolve().parents[2]
RASA_STATES = Policy._prediction_states


def train(config: Path, domain_path: Path, data: Path, storage: Path) -> tuple[RulePolicy, Domain]:
    """A RulePolicy (config.yml's settings) trained on the rules under `data`."""
    importer = TrainingDataImporter.load_from_config(str(config), str(domain_path), [str(data)])
    domain = importer.get_domain()
    trackers = TrainingDataGenerator(importer.get_stories(), domain, augmentation_factor=0).generate()
    settings = {**RulePolicy.get_default_config(), "core_fallback_threshold": 0.3, "enable_fallback_prediction": True}
    policy = RulePolicy.create(
        settings, LocalModelStorage(storage), Resource("rule_policy"), ExecutionContext(GraphSchema({}), "test")
    )
    policy.train(trackers, domain)
    return policy, domain


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[RulePolicy, Domain]:
    """The project's RulePolicy trained on bot/data with bot/domain."""
    return train(ROOT / "config.yml", ROOT / "bot" / "domain", ROOT / "bot" / "data", tmp_path_factory.mktemp("s"))


def predict(policy: RulePolicy, tracker: DialogueStateTracker, domain: Domain, states: Any) -> PolicyPrediction:
    original = RulePolicy._prediction_states
    RulePolicy._prediction_states = states  # type: ignore[method-assign]
    try:
        return policy.predict_action_probabilities(tracker, domain)
    finally:
        RulePolicy._prediction_states = original  # type: ignore[method-assign]


def conversation(policy: RulePolicy, domain: Domain, seed: int, turns: int) -> Iterator[DialogueStateTracker]:
    """A windowed tracker at every prediction of a random conversation driven by Rasa's own RulePolicy."""
    chooser = random.Random(seed)
    skipped = {"restart", "back", "session_start"}  # Rasa's default intents that reset or rewind the tracker
    intents = [intent for intent in domain.intents if not intent.startswith("agent_") and intent not in skipped]
    tracker = DialogueStateTracker(f"c{seed}", domain.slots, max_event_history=200)
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
    for _ in range(turns):
        intent = chooser.choice(intents)
        entities = [{"entity": "order_id", "value": "NB-123456"}] if chooser.random() < 0.3 else []
        tracker.update(UserUttered(intent, {"name": intent, "confidence": 0.9}, entities))
        for _step in range(6):
            yield tracker
            probabilities = predict(policy, tracker, domain, RASA_STATES).probabilities
            if probabilities == policy._default_predictions(domain):
                # No rule: the fallback (another policy in production) ends the turn.
                tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
                break
            action = domain.action_names_or_texts[max(range(len(probabilities)), key=probabilities.__getitem__)]
            tracker.update(ActionExecuted(action))
            if action in domain.form_names:
                if tracker.active_loop_name != action:
                    tracker.update(ActiveLoop(action))
                    tracker.update(SlotSet(REQUESTED_SLOT, "order_id"))
                elif entities:
                    tracker.update(SlotSet("order_id", "NB-123456"))
                    tracker.update(SlotSet(REQUESTED_SLOT, None))
                    tracker.update(ActiveLoop(None))
            if action == ACTION_LISTEN_NAME:
                break


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_prediction_is_rasas(trained: tuple[RulePolicy, Domain], seed: int) -> None:
    """Same probabilities, events and hidden-turn flag at every step of a 120-turn conversation."""
    policy, domain = trained
    compared = 0
    fallbacks = 0
    in_loops = 0
    for tracker in conversation(policy, domain, seed, turns=120):
        rasas = predict(policy, tracker, domain, RASA_STATES)
        ours = predict(policy, tracker, domain, rule_states.rule_prediction_states)
        assert (ours.probabilities, ours.events, ours.hide_rule_turn) == (
            rasas.probabilities,
            rasas.events,
            rasas.hide_rule_turn,
        ), f"turn {compared} of conversation {seed}"
        compared += 1
        fallbacks += rasas.probabilities == policy._default_predictions(domain)
        in_loops += tracker.active_loop_name is not None
    # Rules fired and forms ran (their unhappy paths included). Every intent has a rule, so turns seldom fall back.
    assert compared > 240 and fallbacks < compared / 2 and in_loops > 20


def test_only_the_recent_turns_are_described(trained: tuple[RulePolicy, Domain], monkeypatch: Any) -> None:
    """The states are the last ones of Rasa's list, and their number does not grow with the conversation."""
    policy, domain = trained
    needed = rule_states.turns_needed(policy)
    assert 2 < needed < 20
    described: list[int] = []
    get_active_state = Domain.get_active_state

    def counting(self: Domain, *args: Any, **kwargs: Any) -> Any:
        described.append(1)
        return get_active_state(self, *args, **kwargs)

    monkeypatch.setattr(Domain, "get_active_state", counting)
    tracker = list(conversation(policy, domain, seed=7, turns=150))[-1]
    described.clear()
    full = RASA_STATES(policy, tracker, domain)
    rasa_calls = len(described)
    described.clear()
    recent = rule_states.rule_prediction_states(policy, tracker, domain)
    assert recent == full[-needed:]
    assert len(described) == needed < rasa_calls / 5


LONG_RULES = """
version: "3.1"
rules:
  - rule: an offer
    steps:
      - action: utter_offer
      - action: utter_terms
      - action: utter_small_print
      - action: utter_ask_offer
  - rule: an apology
    steps:
      - action: utter_sorry
      - action: utter_terms
      - action: utter_small_print
      - action: utter_ask_sorry
"""
LONG_DOMAIN = """
version: "3.1"
intents: [greet, affirm]
responses:
  utter_offer: [{text: offer}]
  utter_sorry: [{text: sorry}]
  utter_terms: [{text: terms}]
  utter_small_print: [{text: small print}]
  utter_ask_offer: [{text: a deal}]
  utter_ask_sorry: [{text: better now}]
"""


def test_the_longest_rule_is_seen_whole(tmp_path: Path) -> None:
    """Two rules that differ only four states back decide as in Rasa, however long the conversation before them."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "rules.yml").write_text(LONG_RULES, encoding="utf-8")
    (tmp_path / "domain.yml").write_text(LONG_DOMAIN, encoding="utf-8")
    (tmp_path / "storage").mkdir()
    policy, domain = train(ROOT / "config.yml", tmp_path / "domain.yml", tmp_path / "data", tmp_path / "storage")
    assert rule_states.turns_needed(policy) >= 4
    tracker = DialogueStateTracker("long", domain.slots, max_event_history=200)
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
    first_actions = ["utter_offer", "utter_sorry"] * 20
    for number, first in enumerate(first_actions):
        tracker.update(UserUttered("hi", {"name": "greet", "confidence": 1.0}))
        tracker.update(ActionExecuted(first))  # the customer's history decides the first answer
        for expected in ["utter_terms", "utter_small_print", first.replace("utter_", "utter_ask_"), "action_listen"]:
            rasas = predict(policy, tracker, domain, RASA_STATES)
            ours = predict(policy, tracker, domain, rule_states.rule_prediction_states)
            assert ours.probabilities == rasas.probabilities, f"greeting {number}, before {expected}"
            assert domain.action_names_or_texts[rasas.probabilities.index(1.0)] == expected
            tracker.update(ActionExecuted(expected))
    assert len(tracker.events) == 200  # the window is full: the conversation is longer than the tracker
