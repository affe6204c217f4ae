"""Pure rules of customer records: which identities a conversation proves, which skill it needs, which agent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handoff.customers.identity import Identity, conversation_identity, verified_contacts
from handoff.privacy.directory import DirectoryEntry, DirectoryError, parse_csv_directory
from handoff.routing.assign import AgentState, returning_agent
from handoff.routing.skill import SkillChoice, choose_skill

IDENTITY_CASES = [
    # (channel, conversation id, identity, verified contacts, why)
    (
        "whatsapp",
        "whatsapp:+34600000000",
        Identity("whatsapp", "+34600000000"),
        [Identity("phone", "+34600000000")],
        "WhatsApp vouches for the sender's phone number",
    ),
    (
        "whatsapp",
        "whatsapp:34600000000",
        Identity("whatsapp", "34600000000"),
        [Identity("phone", "+34600000000")],
        "a Cloud API wa_id without + is the same number",
    ),
    (
        "twilio",
        "twilio:whatsapp:+34600000001",
        Identity("twilio", "whatsapp:+34600000001"),
        [Identity("phone", "+34600000001")],
        "Twilio's WhatsApp senders carry the verified number after the prefix",
    ),
    (
        "email",
        "email:Ana@Example.com",
        Identity("email", "Ana@Example.com"),
        [Identity("email", "ana@example.com")],
        "the e-mail channel vouches for the sender's address",
    ),
    (
        "messenger",
        "messenger:6543210987654321",
        Identity("messenger", "6543210987654321"),
        [],
        "a page-scoped id is an identity but proves no contact",
    ),
    (
        "rest",
        "+34600000000",
        Identity("rest", "+34600000000"),
        [],
        "a REST sender id that looks like a phone number is a claim, not a verified phone",
    ),
    ("rest", "ana@example.com", Identity("rest", "ana@example.com"), [], "nor is one that looks like an address"),
    (
        "whatsapp",
        "+34600000000",
        Identity("rest", "+34600000000"),
        [],
        "a channel name without its namespaced id proves nothing",
    ),
    ("rest", "line:Uabc", Identity("line", "Uabc"), [], "the id's namespace says the channel"),
    ("whatsapp", "whatsapp:not-a-number", Identity("whatsapp", "not-a-number"), [], "no number, no phone"),
]


@pytest.mark.parametrize(("channel", "conversation_id", "identity", "contacts", "why"), IDENTITY_CASES,
                         ids=[c[4] for c in IDENTITY_CASES])  # fmt: skip
def test_conversation_identity_and_verified_contacts(
    channel: str, conversation_id: str, identity: Identity, contacts: list[Identity], why: str
) -> None:
    """Each row: a conversation, the identity it proves, and the contacts its channel verified."""
    found = conversation_identity(channel, conversation_id)
    assert (identity, contacts) == (found, verified_contacts(found))


TOPICS = {"invoice": "billing", "delete-account": "account", "shipping-times": "orders", "contact": "general"}
SKILL_CASES = [
    # (topic sent, intents, KB articles tried, expected, why)
    ("general", ["greet", "request_refund"], [], SkillChoice("billing", "intent"), "a refund needs billing"),
    ("billing", ["check_order_status"], [], SkillChoice("orders", "intent"), "the latest intent wins over the topic"),
    ("orders", ["greet", "request_human"], [], SkillChoice("orders", "topic"), "a specific topic the bot sent"),
    (
        "general",
        ["faq", "request_human"],
        ["shipping-times", "delete-account"],
        SkillChoice("account", "kb_article"),
        "the latest article tried says account",
    ),
    (
        "general",
        ["faq"],
        ["delete-account", "contact"],
        SkillChoice("account", "kb_article"),
        "a general article says nothing, an earlier one does",
    ),
    ("general", ["faq"], ["unknown-article"], SkillChoice("general", "default"), "an unknown article says nothing"),
    ("general", [], [], SkillChoice("general", "default"), "nothing known: general"),
]


@pytest.mark.parametrize(("topic", "intents", "tried", "expected", "why"), SKILL_CASES,
                         ids=[c[4] for c in SKILL_CASES])  # fmt: skip
def test_choose_skill(topic: str, intents: list[str], tried: list[str], expected: SkillChoice, why: str) -> None:
    """Each row: what the conversation shows and the skill routing uses, with its source."""
    assert expected == choose_skill(topic, intents, tried, TOPICS)


def _agent(**changes: object) -> AgentState:
    base: dict[str, object] = {
        "id": "maria", "status": "online", "languages": frozenset({"es", "en"}), "skills": frozenset({"general"}),
        "queues": frozenset({"americas"}), "active": 1, "max_concurrent": 3,
        "idle_since": datetime(2026, 1, 1, tzinfo=UTC),
    }  # fmt: skip
    return AgentState(**{**base, **changes})  # type: ignore[arg-type]


RETURNING_CASES = [
    # (agent, last agent id, language, translated, expected id, why)
    (_agent(), "maria", "es", False, "maria", "online, in the queue, speaks it, has a slot"),
    (_agent(skills=frozenset({"orders"})), "maria", "es", False, "maria", "the skill is not required"),
    (_agent(status="away"), "maria", "es", False, None, "away"),
    (_agent(active=3), "maria", "es", False, None, "at capacity"),
    (_agent(queues=frozenset({"emea"})), "maria", "es", False, None, "no longer in the queue"),
    (_agent(), "maria", "pt", False, None, "does not speak the language"),
    (_agent(), "maria", "pt", True, "maria", "the queue translates it"),
    (_agent(), None, "es", False, None, "no last agent"),
    (_agent(), "joao", "es", False, None, "the last agent is gone"),
]


@pytest.mark.parametrize(("agent", "last", "language", "translated", "expected", "why"), RETURNING_CASES,
                         ids=[c[5] for c in RETURNING_CASES])  # fmt: skip
def test_returning_agent(
    agent: AgentState, last: str | None, language: str, translated: bool, expected: str | None, why: str
) -> None:
    """Each row: the last agent's state and whether the returning customer goes straight to them."""
    chosen = returning_agent([agent], last, "americas", language, translated)
    assert expected == (chosen.id if chosen else None)


def test_csv_directory_reads_channel_pairs_and_names_a_bad_row() -> None:
    """The CSV file gives the same entries as the YAML one; a bad priority names its row."""
    text = "channel,id,vip,tier,priority\nwhatsapp,+34611000000,yes,gold,\n,crm-7,,,\nline,U1,true,,urgent\n"
    assert {
        "whatsapp:+34611000000": DirectoryEntry(vip=True, tier="gold", priority="high"),
        "crm-7": DirectoryEntry(),
        "line:U1": DirectoryEntry(vip=True, priority="urgent"),
    } == parse_csv_directory(text)
    with pytest.raises(DirectoryError, match=r"customers\[0\]"):
        parse_csv_directory("channel,id,vip,tier,priority\nline,U1,,,asap\n")
    with pytest.raises(DirectoryError, match="row 2"):
        parse_csv_directory("channel,id\nline,\n")
