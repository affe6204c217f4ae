"""Prometheus metrics of the action server: latency per action, KB answers per language, handoff requests, and the
outbox (depth, age, dead letters) read from its SQLite file at scrape time.

Outcomes are read from each `/webhook` call's request and answer (the action's own events), so the actions
themselves carry no metrics code. With several Sanic workers (`ACTION_SERVER_SANIC_WORKERS`) every worker counts
into `PROMETHEUS_MULTIPROC_DIR` and a scrape of any worker sums them.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

FAQ_ACTION = "action_answer_faq"
HANDOFF_ACTION = "action_handoff"
# Label values for languages outside the domain's codes (a tracker slot can hold anything a caller sent).
OTHER = "other"
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

_REGISTRY = CollectorRegistry()
ACTION_SECONDS = Histogram(
    "actions_action_seconds", "Time to run one action", ["action"], buckets=LATENCY_BUCKETS, registry=_REGISTRY
)
KB_ANSWERS = Counter(
    "actions_kb_answers", "Knowledge-base turns by outcome (answered, no_answer, clarify)", ["language", "outcome"],
    registry=_REGISTRY,
)  # fmt: skip
HANDOFF_REQUESTS = Counter(
    "actions_handoff_requests",
    "Handoff requests by outcome (accepted, kept: in the outbox until the service takes it, failed)",
    ["outcome"],
    registry=_REGISTRY,
)


def label_language(value: object) -> str:
    """A language code fit for a label (two to three letters), else ``other``."""
    if isinstance(value, str) and 2 <= len(value) <= 3 and value.isascii() and value.isalpha():
        return value.lower()
    return OTHER


def kb_outcome(events: list[Mapping[str, Any]]) -> str:
    """answered (an article was given), no_answer (nothing good enough) or clarify (candidates offered)."""
    slots = {event.get("name"): event.get("value") for event in events if event.get("event") == "slot"}
    if slots.get("kb_last_article"):
        return "answered"
    if "kb_no_answer_count" in slots:
        return "no_answer"
    return "clarify"


def handoff_outcome(events: list[Mapping[str, Any]]) -> str:
    """accepted, kept (the service was unreachable: the outbox keeps the request) or failed."""
    status = next(
        (
            event.get("value")
            for event in events
            if event.get("event") == "slot" and event.get("name") == "handoff_status"
        ),
        None,
    )
    if status == "failed":
        return "failed"
    if status == "pending":
        return "kept"
    return "accepted"


def observe_action(action: str, seconds: float, request_body: Mapping[str, Any], answer: bytes | None) -> None:
    """Count one `/webhook` call: its latency, and for the KB and handoff actions their outcome."""
    ACTION_SECONDS.labels(action).observe(seconds)
    if action not in (FAQ_ACTION, HANDOFF_ACTION) or not answer:
        return
    try:
        events = json.loads(answer).get("events") or []
    except (ValueError, AttributeError):
        return
    events = [event for event in events if isinstance(event, dict)]
    if action == FAQ_ACTION:
        slots = (request_body.get("tracker") or {}).get("slots") or {}
        KB_ANSWERS.labels(label_language(slots.get("language")), kb_outcome(events)).inc()
    else:
        HANDOFF_REQUESTS.labels(handoff_outcome(events)).inc()


class OutboxCollector(Collector):
    """Reads the outbox's SQLite file (shared by every worker) at scrape time."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily("actions_outbox_depth", "Items waiting for the handoff service", labels=["kind"])
        dead = GaugeMetricFamily(
            "actions_outbox_dead_letters", "Items the handoff service rejected for good", labels=["kind"]
        )
        figures = self._read()
        depth.add_metric(["handoff"], figures["handoffs"])
        depth.add_metric(["message"], figures["messages"])
        dead.add_metric(["handoff"], figures["dead_handoffs"])
        dead.add_metric(["message"], figures["dead_messages"])
        yield depth
        yield GaugeMetricFamily(
            "actions_outbox_oldest_seconds", "Age of the oldest kept handoff", value=figures["oldest_seconds"]
        )
        yield GaugeMetricFamily(
            "actions_outbox_failed_attempts",
            "Failed delivery attempts of the handoffs still kept",
            value=figures["attempts"],
        )
        yield dead

    def _read(self) -> dict[str, float]:
        empty = dict.fromkeys(
            ("handoffs", "messages", "dead_handoffs", "dead_messages", "oldest_seconds", "attempts"), 0.0
        )
        if not self._path.exists():
            return empty
        db = sqlite3.connect(f"file:{self._path}?mode=ro", uri=True, timeout=5)
        try:
            handoffs, oldest, attempts = db.execute(
                "SELECT count(*), min(created_at), coalesce(sum(attempts), 0) FROM pending_handoff"
            ).fetchone()
            (messages,) = db.execute("SELECT count(*) FROM pending_message").fetchone()
            dead = dict(db.execute("SELECT kind, count(*) FROM dead_letter GROUP BY kind").fetchall())
        except sqlite3.OperationalError:  # the outbox has not created its tables yet
            return empty
        finally:
            db.close()
        return {
            "handoffs": handoffs,
            "messages": messages,
            "dead_handoffs": dead.get("handoff", 0),
            "dead_messages": dead.get("message", 0),
            "oldest_seconds": max(0.0, time.time() - oldest) if oldest is not None else 0.0,
            "attempts": attempts,
        }


def exposition_registry(outbox_path: Path) -> CollectorRegistry:
    """What `/metrics` serves: this process's counters, or every worker's in multi-process mode, and the outbox."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_OwnMetrics())
    registry.register(OutboxCollector(outbox_path))
    return registry


class _OwnMetrics(Collector):
    def collect(self) -> Iterator[Any]:
        yield from _REGISTRY.collect()


def exposition(registry: CollectorRegistry) -> bytes:
    """The Prometheus text of ``registry``."""
    return generate_latest(registry)
