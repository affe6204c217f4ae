"""HumanModePolicy: while a person owns the conversation, the bot relays every customer message and says nothing.

Rasa's `ConversationPaused` stops the bot but also stops it from relaying messages to the agent; this policy keeps
the conversation running through our actions instead: customer messages go to `action_relay_to_agent`, agent replies
(the external intent `agent_reply`) to `action_deliver_agent_reply`, the end of the handoff to `action_handback`.
Its predictions are "no user" predictions with full confidence and a priority above RulePolicy, so no rule, form or
fallback can answer in human mode, whatever the intent.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.policies.fixed import FixedPolicy
from bot.policies.human_mode_rules import next_action


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class HumanModePolicy(FixedPolicy):
    """Routes every turn of a conversation in human mode to the relay actions."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # Above RulePolicy (6): ties with a rule's full-confidence prediction are won by this policy.
            "priority": 7,
            # Boolean slot that `action_handoff` sets and `action_handback` clears.
            "human_mode_slot": "human_mode",
        }

    def configure(self, config: dict[str, Any]) -> None:
        self._slot = config["human_mode_slot"]

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        human_mode = bool(tracker.get_slot(self._slot))
        action = next_action(human_mode, tracker.latest_action_name, tracker.latest_message.intent.get("name"))
        probabilities = self._default_predictions(domain)
        if action is None:
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities, is_no_user_prediction=True)
