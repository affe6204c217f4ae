"""The end-to-end benchmark's long bot conversation asks only what the running assistant answers from the KB."""

from __future__ import annotations

from bench.e2e.answerable import answered_from_kb
from bench.e2e.systems import Served
from tests.e2e.client import SystemClient


def test_only_questions_routed_to_the_kb_and_answered_are_kept(system: SystemClient) -> None:
    """A KB question is kept; a refund request (which ends with a person) and an off-topic question (no article)
    are not; each is asked in a conversation of its own, so one cannot change another's fate."""
    config = system.stack.config
    served = Served("ours", config.rasa_url, config.rasa_api_token)
    questions = {
        "en": ["how do I turn on two-factor authentication", "I want a refund for my order NB-204519"],
        "es": ["¿quién pintó la Mona Lisa?", "olvidé mi contraseña, ¿cómo la cambio?"],
    }
    assert answered_from_kb(served, questions) == {
        "en": ["how do I turn on two-factor authentication"],
        "es": ["olvidé mi contraseña, ¿cómo la cambio?"],
    }
