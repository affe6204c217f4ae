"""The escalation ladder: every unresolved kind counts the same, the second in a row offers a person, the third (or a
yes to the offer) hands off with reason `repeated_failure`, a served turn starts again."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.escalation import (
    ActionAnswerOffer,
    LadderSettings,
    Step,
    Unresolved,
    ladder_step,
    offer_in_last_turn,
    resolved_turn,
    unresolved_turn,
)
from actions.settings import ActionSettings

DEFAULT = LadderSettings()


def user(intent: str, text: str = "...") -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}, "entities": []}}


def slot(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


def make_tracker(events: list[dict[str, Any]], slots: dict[str, Any]) -> Tracker:
    latest = next((e for e in reversed(events) if e["event"] == "user"), {})
    return Tracker("c1", slots, latest.get("parse_data", {}), events, False, None, {}, "action_listen")


def run_ladder(kind: Unresolved, count: int, settings: LadderSettings = DEFAULT) -> tuple[list[str], dict[str, Any]]:
    """One unresolved turn after `count` others in a row: the responses uttered and the events as a dict."""
    dispatcher = CollectingDispatcher()
    events = unresolved_turn(make_tracker([user("x")], {"unresolved_turns": float(count)}), dispatcher, kind, settings)
    as_dict = {e["name"] if e["event"] == "slot" else "__followup__": e.get("value", e.get("name")) for e in events}
    return [m["response"] for m in dispatcher.messages], as_dict


@pytest.mark.parametrize(
    ("count", "settings", "expected"),
    [
        (1, DEFAULT, Step.OWN_MESSAGE),
        (2, DEFAULT, Step.OFFER),
        (3, DEFAULT, Step.HANDOFF),
        (7, DEFAULT, Step.HANDOFF),  # never anything softer once past the last step
        (1, LadderSettings(offer_at=1, handoff_at=2), Step.OFFER),  # a stricter assistant
        (2, LadderSettings(offer_at=3, handoff_at=3), Step.OWN_MESSAGE),  # no offer before the handoff step
        (3, LadderSettings(offer_at=3, handoff_at=3), Step.HANDOFF),
    ],
)
def test_ladder_step(count: int, settings: LadderSettings, expected: Step) -> None:
    """The step for the n-th unresolved turn in a row."""
    assert expected == ladder_step(count, settings)


def test_settings_refuse_an_offer_after_the_handoff() -> None:
    """An offer that could never be made is a configuration mistake."""
    with pytest.raises(ValueError):
        LadderSettings(offer_at=4, handoff_at=3)


@pytest.mark.parametrize(
    ("kind", "first"),
    [
        (Unresolved.NLU_FALLBACK, ["utter_ask_rephrase"]),
        (Unresolved.KB_NO_ANSWER, ["utter_kb_no_answer"]),
        (Unresolved.OUT_OF_SCOPE, ["utter_out_of_scope"]),
        (Unresolved.DECLINED_CLARIFICATION, []),  # the clarification flow says its own words
    ],
)
def test_first_unresolved_turn_says_its_own_message(kind: Unresolved, first: list[str]) -> None:
    """The first unresolved turn of each kind: its own message, count 1."""
    responses, events = run_ladder(kind, 0)
    assert (first, 1.0) == (responses, events["unresolved_turns"])
    assert "__followup__" not in events


@pytest.mark.parametrize(
    ("kind", "offer"),
    [
        (Unresolved.NLU_FALLBACK, "utter_offer_human"),
        (Unresolved.KB_NO_ANSWER, "utter_offer_human"),
        (Unresolved.DECLINED_CLARIFICATION, "utter_offer_human"),
        (Unresolved.OUT_OF_SCOPE, "utter_out_of_scope"),  # its own message already offers a person with buttons
    ],
)
def test_second_in_a_row_offers_a_person_whatever_the_kinds(kind: Unresolved, offer: str) -> None:
    """Whatever the previous unresolved kind was, the second offers a person for `repeated_failure`."""
    responses, events = run_ladder(kind, 1)
    assert ([offer], 2.0, "repeated_failure") == (responses, events["unresolved_turns"], events["human_offered"])
    assert "__followup__" not in events


@pytest.mark.parametrize("kind", list(Unresolved))
def test_third_in_a_row_hands_off(kind: Unresolved) -> None:
    """The third hands off with reason repeated_failure and starts the count again."""
    _, events = run_ladder(kind, 2)
    assert (
        events["__followup__"],
        events["handoff_reason"],
        events["unresolved_turns"],
    ) == ("action_handoff", "repeated_failure", 0.0)


def test_a_served_turn_starts_again() -> None:
    """An answered question resets the count and withdraws any offer."""
    assert {e["name"]: e["value"] for e in resolved_turn()} == {"unresolved_turns": 0.0, "human_offered": None}


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        # the bot offered in its answer to the previous message
        ([user("nlu_fallback"), slot("human_offered", "repeated_failure"), user("affirm")], "repeated_failure"),
        ([user("out_of_scope"), slot("human_offered", "out_of_scope"), user("affirm")], "out_of_scope"),
        # the offer was withdrawn in that answer
        ([user("faq"), slot("human_offered", "x"), slot("human_offered", None), user("affirm")], None),
        # an offer two messages ago has lapsed
        ([user("nlu_fallback"), slot("human_offered", "repeated_failure"), user("greet"), user("affirm")], None),
        # no offer at all
        ([user("affirm")], None),
    ],
)
def test_offer_in_last_turn(events: list[dict[str, Any]], expected: str | None) -> None:
    """Only an offer made in the bot's last turn can be accepted."""
    assert expected == offer_in_last_turn(events)


async def answer(events: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    result = await ActionAnswerOffer().run(dispatcher, make_tracker(events, {}), {})
    return [m["response"] for m in dispatcher.messages], result


async def test_yes_to_the_offer_hands_off_for_the_reason_offered() -> None:
    """A yes right after an offer: handoff with the offered reason."""
    responses, events = await answer([user("nlu_fallback"), slot("human_offered", "repeated_failure"), user("affirm")])
    assert responses == []
    assert [e["name"] for e in events if e["event"] == "followup"] == ["action_handoff"]
    assert [e["value"] for e in events if e.get("name") == "handoff_reason"] == ["repeated_failure"]


async def test_no_to_the_offer_is_respected() -> None:
    """A no: the bot says fine, and withdraws the offer."""
    responses, events = await answer([user("faq"), slot("human_offered", "no_kb_answer"), user("deny")])
    assert (
        responses,
        events,
    ) == (["utter_no_human_ok"], [{"event": "slot", "timestamp": None, "name": "human_offered", "value": None}])


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([user("affirm", "ok")], ["utter_greet"]),  # a conversation that starts with "ok" gets a greeting
        ([user("greet"), {"event": "bot", "text": "hi"}, user("affirm", "ok")], ["utter_anything_else"]),
    ],
)
async def test_a_stray_yes_gets_a_friendly_prompt(events: list[dict[str, Any]], expected: list[str]) -> None:
    """Without an offer a yes or a no is no request for a person, and not a misunderstanding either."""
    responses, result = await answer(events)
    assert (expected, []) == (responses, result)


def test_action_server_refuses_an_offer_after_the_handoff_at_start() -> None:
    """The ladder is configured per assistant through the action server's settings, validated at start-up."""
    assert (ActionSettings().escalation_offer_at, ActionSettings().escalation_handoff_at) == (2, 3)
    with pytest.raises(ValueError, match="ESCALATION_OFFER_AT"):
        ActionSettings(escalation_offer_at=4, escalation_handoff_at=3)
