"""The soak's ledger: what customers sent and agents answered, against what the handoff service stored and what the
customers received; plus handoffs per conversation, outboxes left non-empty, delays and recovery after each fault.

`account` and `recovery` are pure (tested without a system); `collect` reads the records over HTTP and the outboxes
from their databases.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy

from bench.soak import script
from bench.soak.agents import AgentDesk
from bench.soak.timeline import Conversation, Timeline


@dataclass(frozen=True)
class Direction:
    """Counts for one direction (customer -> agent or agent -> customer), summed over conversations."""

    expected: int = 0
    delivered: int = 0  # distinct messages that arrived
    lost: int = 0
    duplicated: int = 0  # extra copies
    out_of_order: int = 0  # messages that arrived after a later-numbered one

    def __add__(self, other: Direction) -> Direction:
        return Direction(*(a + b for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True)))

    def as_tuple(self) -> tuple[int, int, int, int, int]:
        return (self.expected, self.delivered, self.lost, self.duplicated, self.out_of_order)


def direction(expected: Sequence[int], arrived: Sequence[int]) -> Direction:
    """Compares the numbers that should have arrived, in the order they should arrive in, with those that did, in
    the order they arrived (or are shown in)."""
    wanted = set(expected)
    rank = {number: index for index, number in enumerate(expected)}
    firsts: list[int] = []
    seen: set[int] = set()
    duplicated = 0
    for number in arrived:
        if number in seen:
            duplicated += 1
            continue
        seen.add(number)
        firsts.append(number)
    return Direction(len(wanted), len(wanted & seen), len(wanted - seen), duplicated, len(overtaken(firsts, rank)))


def overtaken(arrived: Sequence[int], rank: dict[int, int]) -> list[tuple[int, int]]:
    """(number, the later one that arrived before it) for each number that arrived after a later one; numbers
    nobody expected rank after every expected one, by number."""

    def place(number: int) -> tuple[int, int]:
        return (rank[number], 0) if number in rank else (len(rank), number)

    pairs: list[tuple[int, int]] = []
    highest: int | None = None
    for number in arrived:
        if highest is not None and place(number) < place(highest):
            pairs.append((number, highest))
        elif highest is None or place(number) > place(highest):
            highest = number
    return pairs


def _order_note(arrived: Sequence[int], rank: dict[int, int]) -> str:
    """Which number came after which later one, for the report (the evidence of a reordering)."""
    pairs = overtaken(list(dict.fromkeys(arrived)), rank)
    return "".join(f"; {number} after {later}" for number, later in pairs[:5])


@dataclass
class Ledger:
    """The whole soak's result."""

    to_agents: Direction = field(default_factory=Direction)
    to_customers: Direction = field(default_factory=Direction)
    conversations: int = 0
    handoffs_missing: int = 0
    handoffs_duplicated: int = 0
    stuck: dict[str, int] = field(default_factory=dict)  # outbox -> entries not delivered
    longest_to_agent: float = 0.0
    longest_to_customer: float = 0.0
    delays_to_agent: list[float] = field(default_factory=list)
    delays_to_customer: list[float] = field(default_factory=list)
    resent: int = 0
    problems: list[str] = field(default_factory=list)  # which conversation lost / duplicated / reordered what

    @property
    def lost(self) -> int:
        return self.to_agents.lost + self.to_customers.lost

    @property
    def duplicated(self) -> int:
        return self.to_agents.duplicated + self.to_customers.duplicated

    @property
    def out_of_order(self) -> int:
        return self.to_agents.out_of_order + self.to_customers.out_of_order

    @property
    def clean(self) -> bool:
        return (
            self.lost + self.duplicated + self.out_of_order + self.handoffs_missing + self.handoffs_duplicated == 0
            and sum(self.stuck.values()) == 0
            and self.to_agents.expected > 0
        )


def account(conversation: Conversation, handoffs: Sequence[dict[str, Any]], ledger: Ledger) -> None:
    """Adds one human-mode conversation to the ledger. `handoffs`: the service's records for the conversation, each
    with its messages."""
    ledger.conversations += 1
    ledger.resent += conversation.resent
    ledger.handoffs_missing += int(not handoffs)
    ledger.handoffs_duplicated += max(0, len(handoffs) - 1)
    stored: list[int] = []
    replies_stored: list[int] = []
    for record in handoffs:
        for message in record.get("messages") or []:
            parsed = script.parse(str(message.get("text") or ""))
            if parsed is None or parsed[0] != conversation.tag:
                continue
            if message.get("role") == "customer" and parsed[1] == "m":
                stored.append(parsed[2])
            elif message.get("role") == "agent" and parsed[1] == "r":
                replies_stored.append(parsed[2])
    sent_order = sorted(conversation.sent)
    to_agent = direction(sent_order, stored)
    received = conversation.shown if conversation.shown is not None else [n for n, _ in conversation.received]
    # Replies are due in the order the service accepted them, which is the agent's order, not their numbers'.
    replied_order = sorted(conversation.replied, key=lambda number: (conversation.replied[number], number))
    to_customer = direction(replied_order, received)
    # A reply stored twice by the service is a duplicate even if the customer got it once.
    stored_twice = len(replies_stored) - len(set(replies_stored))
    to_customer = to_customer + Direction(duplicated=stored_twice)
    ledger.to_agents = ledger.to_agents + to_agent
    ledger.to_customers = ledger.to_customers + to_customer
    orders = {"to agent": (stored, sent_order), "to customer": (received, replied_order)}
    for label, counts in (("to agent", to_agent), ("to customer", to_customer)):
        if counts.lost or counts.duplicated or counts.out_of_order:
            arrived, due = orders[label]
            ledger.problems.append(
                f"{conversation.channel} {conversation.conversation_id} {label}: lost {counts.lost}, duplicated"
                f" {counts.duplicated}, out of order {counts.out_of_order}"
                + _order_note(arrived, {number: index for index, number in enumerate(due)})
            )
    if len(handoffs) != 1:
        ledger.problems.append(f"{conversation.channel} {conversation.conversation_id}: {len(handoffs)} handoffs")
    first_received: dict[int, float] = {}
    for number, at in conversation.received:
        first_received.setdefault(number, at)
    for number, at in conversation.seen_by_agent.items():
        if number in conversation.sent:
            ledger.delays_to_agent.append(at - conversation.sent[number])
    for number, at in first_received.items():
        if number in conversation.replied:
            ledger.delays_to_customer.append(at - conversation.replied[number])
    ledger.longest_to_agent = max(ledger.delays_to_agent, default=0.0)
    ledger.longest_to_customer = max(ledger.delays_to_customer, default=0.0)


@dataclass(frozen=True)
class Recovery:
    """How long the system took to work end to end again after one SIGKILL."""

    process: str
    killed_at: float
    ready_after: float  # seconds until the restarted process answered its readiness check
    relay_after: float | None  # until the first customer message sent after the kill reached its agent
    reply_after: float | None  # until the first agent reply posted after the kill reached its customer

    @property
    def recovered_after(self) -> float | None:
        if self.relay_after is None or self.reply_after is None:
            return None
        return max(self.ready_after, self.relay_after, self.reply_after)


def recovery(timeline: Timeline) -> list[Recovery]:
    """One Recovery per fault, from the timeline."""
    results = []
    for process, killed_at, ready_at in timeline.faults:
        relays: list[float] = []
        replies: list[float] = []
        for conversation in timeline.conversations.values():
            relays += [
                conversation.seen_by_agent[n]
                for n, sent in conversation.sent.items()
                if sent >= killed_at and n in conversation.seen_by_agent
            ]
            got: dict[int, float] = {}
            for number, at in conversation.received:
                got.setdefault(number, at)
            replies += [got[n] for n, posted in conversation.replied.items() if posted >= killed_at and n in got]
        results.append(
            Recovery(
                process,
                killed_at,
                ready_at - killed_at,
                min(relays) - killed_at if relays else None,
                min(replies) - killed_at if replies else None,
            )
        )
    return results


def stuck_in_outboxes(actions_outboxes: Sequence[Path], handoff_database_url: str) -> dict[str, int]:
    """Entries the action servers' outboxes still keep and deliveries the handoff service has not made."""
    stuck: dict[str, int] = {}
    for actions_outbox in actions_outboxes:
        if not actions_outbox.exists():
            continue
        with sqlite3.connect(actions_outbox) as db:
            for table in ("pending_handoff", "pending_message", "dead_letter"):
                count = int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
                stuck[f"actions {table}"] = stuck.get(f"actions {table}", 0) + count
    if handoff_database_url.startswith("postgresql://"):  # the driver this project installs is psycopg 3
        handoff_database_url = "postgresql+psycopg://" + handoff_database_url.removeprefix("postgresql://")
    engine = sqlalchemy.create_engine(handoff_database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sqlalchemy.text("SELECT status, count(*) FROM outbox GROUP BY status"))
            stuck["handoff outbox not sent"] = 0
            for status, count in rows:
                if status != "sent":
                    stuck["handoff outbox not sent"] += int(count)
    finally:
        engine.dispose()
    return stuck


def collect(timeline: Timeline, desk: AgentDesk, actions_outboxes: Sequence[Path], handoff_database_url: str) -> Ledger:
    """Reads every human-mode conversation's handoffs and the outboxes, and accounts them."""
    ledger = Ledger()
    for conversation in timeline.conversations.values():
        listed = desk.handoffs_for(conversation.conversation_id) if conversation.conversation_id else []
        account(conversation, [desk.handoff(str(record["id"])) for record in listed], ledger)
    ledger.stuck = stuck_in_outboxes(actions_outboxes, handoff_database_url)
    return ledger
