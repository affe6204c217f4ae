"""Thread-safe record of when each message was sent, seen by the agent, replied to and received by the customer."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class Conversation:
    """One human-mode customer's numbered messages and their agent's numbered replies, with times."""

    tag: str
    channel: str
    conversation_id: str = ""
    sent: dict[int, float] = field(default_factory=dict)  # message number -> first send attempt
    seen_by_agent: dict[int, float] = field(default_factory=dict)  # message number -> first seen in the handoff
    replied: dict[int, float] = field(default_factory=dict)  # reply number -> accepted by the handoff API
    received: list[tuple[int, float]] = field(default_factory=list)  # reply numbers as the customer got them
    # Reply numbers in the order the customer's screen shows them when it orders them itself (the web chat, by
    # timestamp); None: the order they arrived in.
    shown: list[int] | None = None
    resent: int = 0  # messages sent again after a failure the customer could not tell apart from a loss
    finished_sending: bool = False  # the customer sends no more numbered messages


class Timeline:
    """Everything the drivers observed, keyed by customer tag."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.conversations: dict[str, Conversation] = {}
        self.bot_mode: dict[str, int] = defaultdict(int)  # "answered" / "failed" counts of bot-mode customers
        self.faults: list[tuple[str, float, float]] = []  # (process, killed at, ready again at)

    @staticmethod
    def now() -> float:
        return time.time()

    def conversation(self, tag: str, channel: str) -> Conversation:
        with self._lock:
            return self.conversations.setdefault(tag, Conversation(tag, channel))

    def sent(self, tag: str, number: int) -> None:
        with self._lock:
            self.conversations[tag].sent.setdefault(number, self.now())

    def seen(self, tag: str, number: int) -> None:
        with self._lock:
            self.conversations[tag].seen_by_agent.setdefault(number, self.now())

    def replied(self, tag: str, number: int) -> None:
        with self._lock:
            self.conversations[tag].replied.setdefault(number, self.now())

    def received(self, tag: str, number: int) -> None:
        with self._lock:
            self.conversations[tag].received.append((number, self.now()))

    def shown(self, tag: str, numbers: list[int]) -> None:
        with self._lock:
            if tag in self.conversations:
                self.conversations[tag].shown = numbers

    def bot_turn(self, outcome: str) -> None:
        with self._lock:
            self.bot_mode[outcome] += 1

    def fault(self, process: str, killed_at: float, ready_at: float) -> None:
        with self._lock:
            self.faults.append((process, killed_at, ready_at))

    def relayed_count(self) -> int:
        with self._lock:
            return sum(len(c.seen_by_agent) for c in self.conversations.values())

    def delivered_count(self) -> int:
        with self._lock:
            return sum(len({n for n, _ in c.received}) for c in self.conversations.values())
