"""Small conversation actions: switching language, complaints."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.names import Slot
from actions.settings import get_settings
from language_registry import codes


class ActionChangeLanguage(Action):
    """Confirms a language switch in the new language, or says which languages exist."""

    def name(self) -> str:
        return "action_change_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        requested = next(tracker.get_latest_entity_values("language"), None)
        if requested in codes():
            dispatcher.utter_message(response="utter_language_changed")
            return [SlotSet(Slot.LANGUAGE, requested)]
        dispatcher.utter_message(response="utter_language_unsupported")
        return []


class ActionHandleComplaint(Action):
    """Apologises and, per the configured policy, hands a frustrated customer to a person.

    Policy (setting COMPLAINT_HANDOFF): `first` hands off on the first complaint, `second` on the second one in a
    conversation, `never` only apologises.
    """

    def name(self) -> str:
        return "action_handle_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_complain_empathy")
        policy = get_settings().complaint_handoff
        complaints = sum(
            1
            for event in tracker.events
            if event.get("event") == "user"
            and ((event.get("parse_data") or {}).get("intent") or {}).get("name") == "complain"
        )
        if policy == "first" or (policy == "second" and complaints >= 2):
            return [SlotSet(Slot.HANDOFF_REASON, "frustration"), FollowupAction("action_handoff")]
        return []
