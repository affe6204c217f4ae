"""RulePolicy describes only the turns its rules can look at.

To predict, Rasa's RulePolicy turns every turn of the tracker into a state (`Domain.get_active_state` on a replay of
the tracker), then matches its rules against those states from the newest back. A rule is a handful of states: a state
further back than the longest rule never decides anything (`RulePolicy._is_rule_applicable` accepts every rule there).
Describing all of them made the policy's cost grow with the tracker's window: under our e2e benchmark, RulePolicy was
10 % of the Rasa server's CPU at 20 conversations at once, and most of the growth between turns 1-20 and 280-300 of a
conversation (py-spy).

Here the tracker is still replayed from the start of its window (the states of the last turns depend on everything
before them), but only the last turns are turned into states: one more than the longest rule. The rules that match
are the same, and so is whether the turn is hidden: when no rule matches, the key RulePolicy builds from the states is
either the same in both cases (it starts after a rule snippet within the last turns) or longer than every rule in
both, so it names no rule either way. What changes is the state list in RulePolicy's debug log and the text of that
unmatched key. Training (Rasa's `TrackerWithCachedStates`) takes Rasa's path unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

_rasa_prediction_states = RulePolicy._prediction_states
TURNS_ATTRIBUTE = "_nimbus_turns_needed"


def turns_needed(policy: RulePolicy) -> int:
    """One more state than the longest rule of the policy's lookup (recomputed when the lookup changes)."""
    cached = policy.__dict__.get(TURNS_ATTRIBUTE)
    if cached is not None and cached[0] is policy.lookup:
        return int(cached[1])
    keys = [key for table in (RULES, RULES_FOR_LOOP_UNHAPPY_PATH) for key in policy.lookup.get(table, {})]
    turns = max((len(policy._rule_key_to_state(key)) for key in keys), default=0) + 1
    policy.__dict__[TURNS_ATTRIBUTE] = (policy.lookup, turns)
    return turns


class RecentTurns:
    """A tracker as the featurizer sees it, whose history yields only its last `turns` prior trackers."""

    def __init__(self, tracker: DialogueStateTracker, turns: int) -> None:
        self._tracker = tracker
        self._turns = turns

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tracker, name)

    def past_states(self, domain: Domain, **options: Any) -> list[State]:
        return domain.states_for_tracker_history(self, **options)

    def generate_all_prior_trackers(self) -> Iterator[tuple[DialogueStateTracker, bool]]:
        """`DialogueStateTracker.generate_all_prior_trackers`, skipping all but the last `turns` yields."""
        events = self._tracker.applied_events()
        total = sum(isinstance(event, ActionExecuted) for event in events) + 1
        skipped = total - self._turns
        replay = self._tracker.init_copy()
        seen = 0
        for event in events:
            if isinstance(event, ActionExecuted):
                if seen >= skipped:
                    yield replay, event.hide_rule_turn
                seen += 1
            replay.update(event)
        yield replay, False


def rule_prediction_states(
    self: RulePolicy,
    tracker: DialogueStateTracker,
    domain: Domain,
    use_text_for_last_user_input: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    """Drop-in for ``RulePolicy._prediction_states``: the states of the turns the rules can look at."""
    if not isinstance(tracker, TrackerWithCachedStates):
        tracker = RecentTurns(tracker, turns_needed(self))
    return _rasa_prediction_states(self, tracker, domain, use_text_for_last_user_input, rule_only_data)


def install() -> None:
    RulePolicy._prediction_states = rule_prediction_states
