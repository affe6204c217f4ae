"""CsatPolicy: routes the customer's answers to the satisfaction survey after a handoff (`csat_rules`).

Its predictions are "no user" predictions with full confidence, like HumanModePolicy's, so that a comment is
stored as a comment whatever intent the NLU gave it; it predicts nothing in human mode or outside the survey.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.policies.csat_rules import Turn, asked_before, next_action
from bot.policies.fixed import FixedPolicy


def _turns(tracker: DialogueStateTracker) -> Iterator[tuple[str, str | None, float | None]]:
    """The tracker's messages and actions as (kind, name, timestamp), newest first."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            yield "user", None, event.timestamp
        elif isinstance(event, ActionExecuted):
            yield "action", event.action_name, event.timestamp


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class CsatPolicy(FixedPolicy):
    """Sends ratings, typed digits, skips and the one comment after the prompt to the survey actions."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # Above RulePolicy (6), so that a comment is not answered as a question; below HumanModePolicy (7) in
            # spirit, but the two never predict for the same turn (this one stays silent in human mode).
            "priority": 8,
            # Text slot: "rating" or "comment" while that question of the survey is open.
            "stage_slot": "csat_stage",
            # Boolean slot of HumanModePolicy: the survey waits while a person owns the conversation.
            "human_mode_slot": "human_mode",
            # A typed digit or comment counts as the answer only this many seconds after its prompt.
            "reply_window_seconds": 600,
        }

    def configure(self, config: dict[str, Any]) -> None:
        self._stage = str(config["stage_slot"])
        self._human_mode = str(config["human_mode_slot"])
        self._window = float(config["reply_window_seconds"])

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        stage = tracker.get_slot(self._stage) if self._stage in tracker.slots else None
        if tracker.latest_action_name not in ("action_listen", "action_csat_rate", "action_csat_comment"):
            return self._prediction(probabilities)
        message = tracker.latest_message
        asked_by, asked_at = asked_before(_turns(tracker)) if stage else (None, None)
        turn = Turn(
            human_mode=bool(tracker.get_slot(self._human_mode)),
            latest_action=tracker.latest_action_name,
            intent=(message.intent or {}).get("name") if message else None,
            text=(message.text or "") if message else "",
            stage=str(stage) if stage else None,
            asked_by=asked_by,
            seconds_since_asked=(message.timestamp - asked_at) if message and asked_at is not None else None,
        )
        action = next_action(turn, self._window)
        if action is None:
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities, is_no_user_prediction=True)
