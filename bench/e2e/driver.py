"""Async load generator over Rasa's REST channel: N conversations at once, every turn timed."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.e2e.conversations import Conversation

REST_WEBHOOK = "/webhooks/rest/webhook"


@dataclass(frozen=True)
class Turn:
    """One customer message and what came back."""

    sender: str
    kind: str
    number: int  # 1-based turn number in the conversation
    text: str
    latency: float  # seconds from request sent to full answer read
    replies: tuple[str, ...]  # texts (or other payload kinds) the bot answered in the HTTP response
    error: str | None = None
    step: str = ""  # what the message is ("greet", "faq", "human_mode", ...)

    @property
    def answered(self) -> bool:
        return self.error is None and bool(self.replies)


@dataclass
class LoadRun:
    """Every turn of one measured run and its wall time."""

    concurrency: int
    wall_seconds: float
    turns: list[Turn] = field(default_factory=list)

    def latencies(self) -> list[float]:
        return [turn.latency for turn in self.turns if turn.error is None]

    def latencies_by_step(self) -> dict[str, list[float]]:
        """Latencies grouped by what the message was (greeting, KB question, relayed message, ...)."""
        grouped: dict[str, list[float]] = {}
        for turn in self.turns:
            if turn.error is None:
                grouped.setdefault(turn.step, []).append(turn.latency)
        return grouped

    def senders(self) -> dict[str, list[Turn]]:
        """Turns grouped by conversation, in turn order."""
        grouped: dict[str, list[Turn]] = {}
        for turn in self.turns:
            grouped.setdefault(turn.sender, []).append(turn)
        for turns in grouped.values():
            turns.sort(key=lambda turn: turn.number)
        return grouped


def new_sender(label: str) -> str:
    """A fresh conversation id, readable in logs and the handoff console."""
    return f"bench-{label}-{uuid.uuid4().hex[:10]}"


def reply_texts(payload: Any) -> tuple[str, ...]:
    """The bot messages of a REST channel answer: their text, or the kind of a non-text message."""
    if not isinstance(payload, list):
        return ()
    texts: list[str] = []
    for message in payload:
        if not isinstance(message, dict):
            continue
        text = message.get("text")
        if text:
            texts.append(str(text))
        else:
            texts.append("[" + ",".join(sorted(key for key in message if key != "recipient_id")) + "]")
    return tuple(texts)


async def say(client: httpx.AsyncClient, sender: str, text: str) -> tuple[float, tuple[str, ...], str | None]:
    """Posts one message; returns (latency, replies, error)."""
    started = time.perf_counter()
    try:
        response = await client.post(REST_WEBHOOK, json={"sender": sender, "message": text})
        latency = time.perf_counter() - started
        if response.status_code != 200:
            return latency, (), f"HTTP {response.status_code}: {response.text[:200]}"
        return latency, reply_texts(response.json()), None
    except httpx.HTTPError as error:
        return time.perf_counter() - started, (), f"{type(error).__name__}: {error}"


async def run_conversation(
    client: httpx.AsyncClient, sender: str, conversation: Conversation, sink: list[Turn]
) -> None:
    """Plays one conversation turn by turn, waiting for each answer before the next message (like a person)."""
    for number, (text, step) in enumerate(zip(conversation.messages, conversation.steps, strict=True), start=1):
        latency, replies, error = await say(client, sender, text)
        sink.append(Turn(sender, conversation.kind, number, text, latency, replies, error, step))


async def run_load(
    base_url: str,
    conversations: Sequence[Conversation],
    concurrency: int,
    label: str,
    timeout_seconds: float = 120.0,
) -> LoadRun:
    """Plays `conversations` with `concurrency` of them in flight at any time; measures wall time."""
    queue: asyncio.Queue[Conversation] = asyncio.Queue()
    for conversation in conversations:
        queue.put_nowait(conversation)
    turns: list[Turn] = []
    limits = httpx.Limits(max_connections=concurrency + 4, max_keepalive_connections=concurrency + 4)
    async with httpx.AsyncClient(base_url=base_url, timeout=timeout_seconds, limits=limits) as client:

        async def worker() -> None:
            while True:
                try:
                    conversation = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await run_conversation(client, new_sender(label), conversation, turns)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return LoadRun(concurrency=concurrency, wall_seconds=wall, turns=turns)
