"""One escalation ladder for every turn that leaves the customer without what they asked for.

An unclear message (NLU fallback), an out-of-scope question, a knowledge-base question without an answer and a
declined clarification all count the same, in the slot `unresolved_turns`: the first gets its own message, the
second in a row offers a person (buttons in the customer's language), the third hands off with reason
`repeated_failure`. A yes to the offer hands off too; any turn the bot serves starts the count again (the domain
maps every other intent to 0; `resolved_turn()` is the same for actions).

Other actions call `unresolved_turn(...)` and return its events; the decisions themselves are pure (`ladder_step`,
`offer_in_last_turn`) and tested without servers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.names import Intent, Slot
from actions.settings import get_settings

__all__ = [
    "COUNT_SLOT",
    "OFFER_SLOT",
    "REPEATED_FAILURE",
    "ActionAnswerOffer",
    "ActionUnresolvedTurn",
    "LadderSettings",
    "Step",
    "Unresolved",
    "ladder_step",
    "offer_in_last_turn",
    "resolved_turn",
    "unresolved_turn",
]

COUNT_SLOT = "unresolved_turns"
# The handoff reason a person was offered for in the bot's last turn (None: no offer pending).
OFFER_SLOT = "human_offered"
REPEATED_FAILURE = "repeated_failure"
OFFER_RESPONSE = "utter_offer_human"


class Unresolved(str, Enum):
    """The kinds of unresolved turn; each counts the same."""

    NLU_FALLBACK = "nlu_fallback"
    OUT_OF_SCOPE = "out_of_scope"
    KB_NO_ANSWER = "no_kb_answer"
    DECLINED_CLARIFICATION = "declined_clarification"


class Step(str, Enum):
    """What the ladder does at one unresolved turn."""

    OWN_MESSAGE = "own_message"
    OFFER = "offer"
    HANDOFF = "handoff"


@dataclass(frozen=True)
class LadderSettings:
    """At which unresolved turn in a row a person is offered, and at which one the customer is handed off."""

    offer_at: int = 2
    handoff_at: int = 3

    def __post_init__(self) -> None:
        if not 1 <= self.offer_at <= self.handoff_at:
            raise ValueError("the offer must come at or before the handoff, from the first unresolved turn on")


# Per kind: the kind's own message, and the handoff reason when that message itself already asks "a person?".
OWN_RESPONSES: Mapping[Unresolved, tuple[str | None, str | None]] = {
    Unresolved.NLU_FALLBACK: ("utter_ask_rephrase", None),
    Unresolved.OUT_OF_SCOPE: ("utter_out_of_scope", "out_of_scope"),
    Unresolved.KB_NO_ANSWER: ("utter_kb_no_answer", "no_kb_answer"),
    Unresolved.DECLINED_CLARIFICATION: (None, None),
}
# Kinds whose own message is already the offer of a person with yes/no buttons, so the offer step says it again.
OFFERS_WITH_BUTTONS = frozenset({Unresolved.OUT_OF_SCOPE})


def ladder_step(count: int, settings: LadderSettings) -> Step:
    """The step for the `count`-th unresolved turn in a row."""
    if count >= settings.handoff_at:
        return Step.HANDOFF
    if count >= settings.offer_at:
        return Step.OFFER
    return Step.OWN_MESSAGE


def offer_in_last_turn(events: Iterable[Mapping[str, Any]]) -> str | None:
    """The reason a person was offered for in the bot's answer to the previous customer message, if it offered one.

    Scans back past the latest customer message to the one before it; an offer older than that has lapsed.
    """
    users_seen = 0
    for event in reversed(list(events)):
        kind = event.get("event")
        if kind == "user":
            users_seen += 1
            if users_seen == 2:
                return None
        elif users_seen == 1 and kind == "slot" and event.get("name") == OFFER_SLOT:
            value = event.get("value")
            return str(value) if value else None
    return None


def ladder_settings() -> LadderSettings:
    """The ladder of this assistant, from the action server's settings."""
    settings = get_settings()
    return LadderSettings(offer_at=settings.escalation_offer_at, handoff_at=settings.escalation_handoff_at)


def resolved_turn() -> list[EventType]:
    """Events for a turn the bot served: the ladder starts again."""
    return [SlotSet(COUNT_SLOT, 0.0), SlotSet(OFFER_SLOT, None)]


def unresolved_turn(
    tracker: Tracker,
    dispatcher: CollectingDispatcher,
    kind: Unresolved,
    settings: LadderSettings | None = None,
) -> list[EventType]:
    """Count one unresolved turn of `kind`, say what this step of the ladder says, and return the slot events
    (plus `action_handoff` as the follow-up at the last step). The calling action returns these events."""
    settings = settings or ladder_settings()
    count = int(tracker.get_slot(COUNT_SLOT) or 0) + 1
    step = ladder_step(count, settings)
    own_response, own_offer = OWN_RESPONSES[kind]
    if step is Step.HANDOFF:
        if own_response and kind is Unresolved.KB_NO_ANSWER:
            # The customer still learns the help centre had nothing before being connected.
            dispatcher.utter_message(response=own_response)
        return [
            SlotSet(COUNT_SLOT, 0.0),
            SlotSet(OFFER_SLOT, None),
            SlotSet(Slot.HANDOFF_REASON, REPEATED_FAILURE),
            FollowupAction("action_handoff"),
        ]
    if step is Step.OFFER:
        dispatcher.utter_message(response=own_response if kind in OFFERS_WITH_BUTTONS else OFFER_RESPONSE)
        return [SlotSet(COUNT_SLOT, float(count)), SlotSet(OFFER_SLOT, REPEATED_FAILURE)]
    if own_response:
        dispatcher.utter_message(response=own_response)
    return [SlotSet(COUNT_SLOT, float(count)), SlotSet(OFFER_SLOT, own_offer)]


def _bot_spoke(events: Iterable[Mapping[str, Any]]) -> bool:
    return any(event.get("event") == "bot" for event in events)


class ActionUnresolvedTurn(Action):
    """An unclear message or an out-of-scope question: one step of the escalation ladder."""

    def name(self) -> str:
        return "action_unresolved_turn"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        kind = Unresolved.OUT_OF_SCOPE if intent == Intent.OUT_OF_SCOPE else Unresolved.NLU_FALLBACK
        return unresolved_turn(tracker, dispatcher, kind)


class ActionAnswerOffer(Action):
    """A yes or a no: accepts or declines the person offered in the bot's last turn; without an offer, a friendly
    prompt (a greeting if the bot has said nothing yet)."""

    def name(self) -> str:
        return "action_answer_offer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        offered = offer_in_last_turn(tracker.events)
        if offered and intent == Intent.AFFIRM:
            return [
                SlotSet(OFFER_SLOT, None),
                SlotSet(COUNT_SLOT, 0.0),
                SlotSet(Slot.HANDOFF_REASON, offered),
                FollowupAction("action_handoff"),
            ]
        if offered:
            dispatcher.utter_message(response="utter_no_human_ok")
            return [SlotSet(OFFER_SLOT, None)]
        dispatcher.utter_message(response="utter_anything_else" if _bot_spoke(tracker.events) else "utter_greet")
        return []
