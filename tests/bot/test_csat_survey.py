"""The satisfaction survey on the Rasa side: which turn goes to which survey action (`bot.policies.csat_rules`,
CsatPolicy on a real tracker) and the command guard accepting the rating payloads only when the bot offered them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.policies.csat import CsatPolicy
from bot.policies.csat_rules import Turn, asked_before, looks_like_new_request, next_action, typed_digit
from bot.security import commands, processor_guard

ROOT = Path(__file__).resolve().parents[2]
RATE_4 = '/csat_rate{"csat_score":"4"}'
RATING_BUTTONS = [{"title": str(n), "payload": f'/csat_rate{{"csat_score":"{n}"}}'} for n in range(1, 6)]
SKIP_BUTTON = [{"title": "Skip", "payload": "/csat_skip"}]


def turn(**changes: Any) -> Turn:
    """A customer message right after the rating prompt (defaults), changed by keyword."""
    values: dict[str, Any] = {
        "human_mode": False,
        "latest_action": "action_listen",
        "intent": "nlu_fallback",
        "text": "4",
        "stage": "rating",
        "asked_by": "action_handback",
        "seconds_since_asked": 5.0,
    }
    values.update(changes)
    return Turn(**values)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        # a tapped rating or Skip (the guard let it through only when offered)
        (turn(intent="csat_rate", text=RATE_4), "action_csat_rate"),
        (
            turn(intent="csat_skip", text="/csat_skip", stage="comment", asked_by="action_csat_rate"),
            "action_csat_comment",
        ),
        # the text fallback: a typed digit right after the prompt, in any script
        (turn(text="4"), "action_csat_rate"),
        (turn(text="٤"), "action_csat_rate"),
        (turn(text="7"), "action_csat_rate"),  # the action answers "choose 1 to 5" and asks again
        (turn(text="4", asked_by="action_csat_rate"), "action_csat_rate"),  # after that second ask
        # a digit that does not follow the prompt, or too late, is an ordinary message
        (turn(text="4", asked_by="action_answer_faq"), None),
        (turn(text="4", seconds_since_asked=601.0), None),
        (turn(text="4", stage=None), None),
        (turn(text="hello", intent="greet"), None),
        # the one message after the comment prompt is the comment, whatever its intent...
        (
            turn(text="Claire was great", intent="thank_you", stage="comment", asked_by="action_csat_rate"),
            "action_csat_comment",
        ),
        (
            turn(
                text="nothing works, you are useless", intent="complain", stage="comment", asked_by="action_csat_rate"
            ),
            "action_csat_comment",
        ),
        # ...unless it looks like a new request, which the bot then serves as usual
        (
            turn(
                text="where is my order NB-204519",
                intent="check_order_status",
                stage="comment",
                asked_by="action_csat_rate",
            ),
            None,
        ),
        (turn(text="¿y el envío a Chile?", intent="faq", stage="comment", asked_by="action_csat_rate"), None),
        (turn(text="还有一个问题？", intent="faq", stage="comment", asked_by="action_csat_rate"), None),
        (turn(text="great", stage="comment", asked_by="action_csat_rate", seconds_since_asked=601.0), None),
        (turn(text="great", stage="comment", asked_by="action_answer_faq"), None),
        # in human mode the survey waits; agent events are never answers
        (turn(intent="csat_rate", text=RATE_4, human_mode=True), None),
        (turn(intent="agent_reply", text="EXTERNAL: agent_reply"), None),
        # after a survey action the bot listens
        (turn(latest_action="action_csat_rate"), "action_listen"),
        (turn(latest_action="action_csat_comment"), "action_listen"),
    ],
)
def test_next_action(case: Turn, expected: str | None) -> None:
    """Table of survey turns and the action each one gets (None: the other policies decide)."""
    assert expected == next_action(case, reply_window_seconds=600)


def test_helpers() -> None:
    """Digits in any script; questions in every script; the last action before the latest message."""
    assert [typed_digit(t) for t in ("5", " ３ ", "٥", "45", "x", "")] == [5, 3, 5, None, None, None]
    assert looks_like_new_request("ok?", None) and looks_like_new_request("هل يمكن؟", None)
    assert looks_like_new_request("/affirm", "affirm") and not looks_like_new_request("all good", "thank_you")
    events = [("user", None, 9.0), ("action", "action_listen", 8.0), ("action", "action_handback", 7.0)]
    assert asked_before(events) == ("action_handback", 7.0)
    assert asked_before([("user", None, 9.0), ("user", None, 5.0), ("action", "action_handback", 4.0)]) == (None, None)


def survey_domain() -> Domain:
    """The project's domain files (core, survey, responses)."""
    return Domain.load(str(ROOT / "bot" / "domain"))


def policy(tmp_path: Path) -> CsatPolicy:
    """The policy as Rasa creates it from config.yml."""
    return CsatPolicy(
        CsatPolicy.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("csat_policy"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def tracker_after_prompt(domain: Domain, *answer: Event) -> DialogueStateTracker:
    """A conversation the agent just handed back with the rating prompt, then `answer`."""
    events: list[Event] = [
        ActionExecuted("action_listen", timestamp=100.0),
        UserUttered("EXTERNAL: agent_handback", {"name": "agent_handback"}, timestamp=100.0),
        ActionExecuted("action_handback", timestamp=101.0),
        BotUttered("How did we do?", {"buttons": RATING_BUTTONS}, timestamp=101.0),
        SlotSet("csat_handoff_id", "h-1"),
        SlotSet("csat_stage", "rating"),
        ActionExecuted("action_listen", timestamp=101.0),
        *answer,
    ]
    return DialogueStateTracker.from_events("customer", events, domain.slots)


def predicted(policy: CsatPolicy, tracker: DialogueStateTracker, domain: Domain) -> str | None:
    prediction = policy.predict_action_probabilities(tracker, domain)
    if max(prediction.probabilities) < 1.0:
        return None
    assert prediction.is_no_user_prediction
    return domain.action_names_or_texts[prediction.probabilities.index(1.0)]


def test_the_policy_reads_the_tracker(tmp_path: Path) -> None:
    """A typed digit after the prompt goes to the rating action; a greeting goes to the other policies; the comment
    after the comment prompt goes to the comment action."""
    domain = survey_domain()
    csat = policy(tmp_path)
    digit = tracker_after_prompt(domain, UserUttered("3", {"name": "nlu_fallback"}, timestamp=120.0))
    assert predicted(csat, digit, domain) == "action_csat_rate"
    hello = tracker_after_prompt(domain, UserUttered("hello", {"name": "greet"}, timestamp=120.0))
    assert predicted(csat, hello, domain) is None
    commented = tracker_after_prompt(
        domain,
        UserUttered(RATE_4, {"name": "csat_rate"}, timestamp=120.0),
        ActionExecuted("action_csat_rate", timestamp=121.0),
        SlotSet("csat_stage", "comment"),
        ActionExecuted("action_listen", timestamp=121.0),
        UserUttered("quick and friendly", {"name": "thank_you"}, timestamp=130.0),
    )
    assert predicted(csat, commented, domain) == "action_csat_comment"


def test_the_domain_offers_the_rating_payloads_only_when_asked() -> None:
    """The project's responses carry the rating and Skip buttons in every language, but they are not among the
    payloads a customer may send at any time."""
    domain = survey_domain()
    always = commands.offered_payloads(domain.responses)
    survey = {p for key in ("utter_csat_ask", "utter_csat_comment_ask") for v in domain.responses[key]
              for p in commands.button_payloads(v)}  # fmt: skip
    assert survey == {b["payload"] for b in RATING_BUTTONS + SKIP_BUTTON}
    assert not survey & always
    assert "/affirm" in always


@pytest.mark.parametrize(
    ("bot_since_customer", "typed", "seen"),
    [
        # offered in the bot's last messages: kept as the payload
        ([RATING_BUTTONS], RATE_4, RATE_4),
        ([SKIP_BUTTON], "/csat_skip", "/csat_skip"),
        # not offered (no prompt, or only the other question's button): read as text
        ([], RATE_4, 'csat_rate{"csat_score":"4"}'),
        ([SKIP_BUTTON], RATE_4, 'csat_rate{"csat_score":"4"}'),
        ([RATING_BUTTONS], "/csat_skip", "csat_skip"),
        # offered, but a forged variant is not the offered payload
        ([RATING_BUTTONS], '/csat_rate{"csat_score":"9"}', 'csat_rate{"csat_score":"9"}'),
        (
            [RATING_BUTTONS],
            '/csat_rate{"csat_score":"4","csat_handoff_id":"h-2"}',
            'csat_rate{"csat_score":"4","csat_handoff_id":"h-2"}',
        ),
    ],
)
def test_the_guard_accepts_survey_payloads_only_when_offered(
    bot_since_customer: list[list[dict[str, str]]], typed: str, seen: str
) -> None:
    """Rasa's handler gets a survey payload unchanged only when a bot message since the customer's previous message
    offered exactly it (read from the sender's tracker); anything else goes through NLU as text."""
    domain = survey_domain()
    store = InMemoryTrackerStore(domain)
    events: list[Event] = [UserUttered("EXTERNAL: agent_handback", {"name": "agent_handback"})]
    events += [BotUttered("question", {"buttons": buttons}) for buttons in bot_since_customer]
    asyncio.run(store.save(DialogueStateTracker.from_events("customer", events, domain.slots)))
    received: list[str] = []

    async def rasas_handler(_processor: Any, message: UserMessage) -> None:
        received.append(message.text)

    handle = processor_guard.guarded(rasas_handler)
    processor = SimpleNamespace(domain=domain, tracker_store=store)
    message = UserMessage(typed, CollectingOutputChannel(), "customer", input_channel="rest")
    asyncio.run(handle(processor, message))  # type: ignore[arg-type]
    assert received == [seen]


def test_an_offer_before_the_customers_last_message_is_over() -> None:
    """Buttons offered before the customer's latest message no longer count (they answered something else)."""
    events = [
        {"event": "bot", "data": {"buttons": SKIP_BUTTON}},
        {"event": "user", "text": "something else"},
        {"event": "bot", "data": {"buttons": RATING_BUTTONS}},
    ]
    rating = frozenset(button["payload"] for button in RATING_BUTTONS)
    assert commands.offered_since_customer(reversed(events)) == rating
    assert commands.offered_since_customer(reversed(events[:2])) == frozenset()
