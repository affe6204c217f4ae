"""The benchmark's accounting: exactly one reply, or one relay in human mode, per customer message."""

from __future__ import annotations

from bench.e2e.driver import Turn
from bench.e2e.ledger import Ledger, account, tracker_user_texts


def turns(*steps: tuple[str, tuple[str, ...]]) -> list[Turn]:
    """Turns of one conversation from (customer text, bot replies) pairs."""
    return [Turn("c1", "test", number, text, 0.01, replies) for number, (text, replies) in enumerate(steps, 1)]


HANDED_OFF = turns(
    ("hola", ("¡Hola!",)),
    ("quiero hablar con una persona", ("Te paso con un agente.",)),
    ("¿sigue alguien ahí? #3", ()),
    ("llegó roto #4", ()),
)
STORED = ["¿sigue alguien ahí? #3", "llegó roto #4"]  # relays only: the handoff's transcript is not counted
TRACKED = [turn.text for turn in HANDED_OFF]


def test_bot_only_conversation_is_all_replies() -> None:
    """Without a handoff every message is answered once."""
    conversation = turns(("hi", ("Hello!",)), ("where is my order NB-204519?", ("It ships today.",)))
    expected = Ledger(sent=2, replied=2)
    assert expected == account(conversation, None, ["hi", "where is my order NB-204519?"])
    assert expected.clean


def test_relayed_messages_are_counted_once() -> None:
    """After the handoff, silent turns stored once by the handoff service are relays."""
    ledger = account(HANDED_OFF, STORED, TRACKED)
    assert Ledger(sent=4, replied=2, relayed=2) == ledger
    assert ledger.clean


def test_a_message_missing_from_the_handoff_is_lost() -> None:
    """A silent turn the agent never received is lost, not relayed."""
    ledger = account(HANDED_OFF, STORED[:-1], TRACKED)
    assert (ledger.relayed, ledger.lost, ledger.clean) == (1, 1, False)


def test_a_relay_repeating_an_earlier_text_is_still_counted() -> None:
    """A customer may write "hola" before and after the handoff: the relay of the second one counts."""
    conversation = [*HANDED_OFF, Turn("c1", "test", 5, "hola", 0.01, ())]
    ledger = account(conversation, [*STORED, "hola"], [*TRACKED, "hola"])
    assert (ledger.relayed, ledger.lost, ledger.clean) == (3, 0, True)


def test_a_message_stored_twice_is_duplicated() -> None:
    """A relay stored twice (a retry that was not idempotent) counts as a duplicate."""
    ledger = account(HANDED_OFF, [*STORED, "llegó roto #4"], TRACKED)
    assert (ledger.relayed, ledger.duplicated) == (2, 1)


def test_relays_in_another_order_are_flagged() -> None:
    """The agent must see the messages in the order the customer wrote them."""
    ledger = account(HANDED_OFF, [STORED[1], STORED[0]], TRACKED)
    assert ledger.out_of_order == 1


def test_bot_answering_after_handoff_is_counted() -> None:
    """Once the bot went silent (human mode), any later bot answer is a violation."""
    conversation = [*HANDED_OFF, Turn("c1", "test", 5, "gracias", 0.01, ("¡De nada!",))]
    ledger = account(conversation, STORED, [*TRACKED, "gracias"])
    assert ledger.answered_in_human_mode == 1
    assert not ledger.clean


def test_silent_turn_without_handoff_is_lost() -> None:
    """A silent turn with no handoff record at all was neither answered nor relayed."""
    ledger = account(turns(("hi", ("Hello!",)), ("hello?", ())), None, ["hi", "hello?"])
    assert (ledger.replied, ledger.lost) == (1, 1)


def test_stock_silence_is_unanswered_whatever_follows() -> None:
    """A system without human mode: a message left without answer is unanswered (not clean), later answers are
    ordinary replies."""
    conversation = turns(("hi", ("Hey!",)), ("no", ()), ("bye", ("Bye",)))
    ledger = account(conversation, None, ["hi", "no", "bye"], human_mode=False)
    assert ledger == Ledger(sent=3, replied=2, unanswered=1)
    assert not ledger.clean


def test_tracker_mismatches_are_lost_or_duplicated() -> None:
    """Rasa's tracker must hold each message once: missing ones are lost, extra ones duplicated."""
    conversation = turns(("hi", ("Hello!",)), ("thanks", ("You're welcome",)))
    assert account(conversation, None, ["hi"]).lost == 1
    assert account(conversation, None, ["hi", "thanks", "thanks"]).duplicated == 1


def test_failed_requests_are_not_clean() -> None:
    """An HTTP error is neither a reply nor a relay."""
    conversation = [Turn("c1", "test", 1, "hi", 60.0, (), "ReadTimeout: timed out")]
    ledger = account(conversation, None, [])
    assert (ledger.failed, ledger.replied, ledger.clean) == (1, 0, False)


def test_tracker_texts_skip_external_events() -> None:
    """Agent replies reach Rasa as external intents; they are not customer messages."""
    tracker = {
        "events": [
            {"event": "session_started"},
            {"event": "user", "text": "hola"},
            {"event": "bot", "text": "¡Hola!"},
            {"event": "user", "text": "EXTERNAL: agent_reply"},
        ]
    }
    assert tracker_user_texts(tracker) == ["hola"]
