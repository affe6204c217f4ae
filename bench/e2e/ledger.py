"""Nothing lost, nothing duplicated: every customer message got exactly one reply, or one relay in human mode.

The pure part (`account`) compares what the load generator sent and received with what Rasa's tracker and the
handoff service stored; `collect` fetches those records over HTTP.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import httpx

from bench.e2e.driver import Turn

# Rasa's text of user events created by /trigger_intent (rasa.shared.core.constants.EXTERNAL_MESSAGE_PREFIX).
EXTERNAL_PREFIX = "EXTERNAL: "


@dataclass(frozen=True)
class Ledger:
    """Counts of customer messages by outcome (summed over conversations)."""

    sent: int = 0
    replied: int = 0  # answered by the bot in the HTTP response of the turn
    relayed: int = 0  # no answer, stored exactly once in the conversation's handoff
    lost: int = 0  # no answer and not relayed, or missing from Rasa's tracker
    duplicated: int = 0  # relayed more than once, or stored more than once in Rasa's tracker
    answered_in_human_mode: int = 0  # the bot answered after it had stopped answering (handed off)
    out_of_order: int = 0  # conversations whose relayed messages reached the agent in another order
    failed: int = 0  # HTTP error or timeout
    unanswered: int = 0  # a system without human mode (stock) answered nothing: its dialogue policy's choice

    def __add__(self, other: Ledger) -> Ledger:
        return Ledger(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    @property
    def clean(self) -> bool:
        """Every message got exactly one reply or one relay, and nothing was stored twice."""
        problems = self.lost + self.duplicated + self.answered_in_human_mode + self.out_of_order + self.failed
        return self.sent == self.replied + self.relayed and self.sent > 0 and problems == 0


def account(
    turns: Sequence[Turn],
    relayed_texts: Sequence[str] | None,
    tracker_texts: Sequence[str] | None,
    human_mode: bool = True,
) -> Ledger:
    """The ledger of one conversation.

    `turns` in order; `relayed_texts`: customer messages the handoff service stored as relays after the handoff
    (each has a client message id; the transcript sent with the handoff is not counted, since it holds only the
    recent turns), in order; None when it has no handoff; `tracker_texts`: the text of every user
    event in Rasa's tracker (None when not checked); `human_mode`: whether the system hands off (stock Rasa does
    not, so a message without an answer there is lost).
    """
    failed = sum(1 for turn in turns if turn.error is not None)
    ok_turns = [turn for turn in turns if turn.error is None]
    human_from = next((i for i, turn in enumerate(ok_turns) if not turn.replies), len(ok_turns))
    if not human_mode:
        unanswered = sum(1 for turn in ok_turns if not turn.replies)
        return _with_tracker(
            Ledger(sent=len(turns), replied=len(ok_turns) - unanswered, unanswered=unanswered, failed=failed),
            ok_turns,
            tracker_texts,
        )
    before, after = ok_turns[:human_from], ok_turns[human_from:]
    replied = len(before)
    answered_in_human_mode = sum(1 for turn in after if turn.replies)
    relay_turns = [turn for turn in after if not turn.replies]

    stored = Counter(relayed_texts or [])
    expected = Counter(turn.text for turn in relay_turns)
    relayed = lost = duplicated = 0
    for text, wanted in expected.items():
        got = stored[text]
        relayed += min(got, wanted)
        lost += max(0, wanted - got)
        duplicated += max(0, got - wanted)
    out_of_order = 0
    if relay_turns and relayed_texts is not None:
        wanted_order = [turn.text for turn in relay_turns]
        seen_order = [text for text in relayed_texts if text in expected][-len(wanted_order) :]
        out_of_order = int(seen_order != wanted_order and lost == 0 and duplicated == 0)

    ledger = Ledger(
        sent=len(turns),
        replied=replied,
        relayed=relayed,
        lost=lost,
        duplicated=duplicated,
        answered_in_human_mode=answered_in_human_mode,
        out_of_order=out_of_order,
        failed=failed,
    )
    return _with_tracker(ledger, ok_turns, tracker_texts)


def _with_tracker(ledger: Ledger, ok_turns: Sequence[Turn], tracker_texts: Sequence[str] | None) -> Ledger:
    """Adds messages missing from (lost) or stored twice in (duplicated) Rasa's tracker."""
    if tracker_texts is None:
        return ledger
    sent_counts = Counter(turn.text for turn in ok_turns)
    tracked = Counter(tracker_texts)
    return ledger + Ledger(lost=sum((sent_counts - tracked).values()), duplicated=sum((tracked - sent_counts).values()))


def tracker_user_texts(tracker: dict[str, Any]) -> list[str]:
    """Texts of the customer's user events in a tracker (external events such as agent replies excluded)."""
    return [
        str(event.get("text") or "")
        for event in tracker.get("events") or []
        if event.get("event") == "user" and not str(event.get("text") or "").startswith(EXTERNAL_PREFIX)
    ]


@dataclass(frozen=True)
class Endpoints:
    """Where the records are: Rasa (with its API token) and, for our system, the handoff service."""

    rasa_url: str
    rasa_token: str | None
    handoff_url: str | None = None
    handoff_token: str | None = None


async def _tracker_texts(client: httpx.AsyncClient, endpoints: Endpoints, sender: str) -> list[str]:
    params = {"include_events": "ALL"}
    if endpoints.rasa_token:
        params["token"] = endpoints.rasa_token
    response = await client.get(f"{endpoints.rasa_url}/conversations/{sender}/tracker", params=params)
    response.raise_for_status()
    return tracker_user_texts(response.json())


async def _handoff_texts(client: httpx.AsyncClient, endpoints: Endpoints, sender: str) -> list[str] | None:
    headers = {"Authorization": f"Bearer {endpoints.handoff_token}"}
    listed = await client.get(
        f"{endpoints.handoff_url}/api/v1/handoffs", params={"conversation_id": sender}, headers=headers
    )
    listed.raise_for_status()
    records = listed.json()
    if not records:
        return None
    texts: list[str] = []
    for summary in records:
        detail = await client.get(f"{endpoints.handoff_url}/api/v1/handoffs/{summary['id']}", headers=headers)
        detail.raise_for_status()
        texts += [
            m["text"]
            for m in detail.json().get("messages", [])
            if m.get("role") == "customer" and m.get("client_message_id")
        ]
    return texts


async def collect(endpoints: Endpoints, conversations: dict[str, list[Turn]], settle_seconds: float = 20.0) -> Ledger:
    """Fetches trackers and handoff records and accounts every conversation; relays still in flight (outbox)
    get up to `settle_seconds` to arrive before a message counts as lost."""
    async with httpx.AsyncClient(timeout=60.0) as client:
        semaphore = asyncio.Semaphore(8)

        async def one(sender: str, turns: list[Turn]) -> Ledger:
            async with semaphore:
                tracker = await _tracker_texts(client, endpoints, sender)
                deadline = asyncio.get_running_loop().time() + settle_seconds
                while True:
                    relayed = await _handoff_texts(client, endpoints, sender) if endpoints.handoff_url else None
                    ledger = account(turns, relayed, tracker, human_mode=endpoints.handoff_url is not None)
                    if ledger.lost == 0 or asyncio.get_running_loop().time() > deadline:
                        return ledger
                    await asyncio.sleep(1.0)

        ledgers = await asyncio.gather(*(one(sender, turns) for sender, turns in conversations.items()))
    total = Ledger()
    for ledger in ledgers:
        total = total + ledger
    return total
