"""Prometheus metrics: counters updated by services, queue and outbox gauges collected from the database at scrape.

With several uvicorn workers each worker counts into ``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multi-process
mode, chosen when that variable is set before the service starts) and a scrape of any worker sums them all; the
gauges read the shared database, so every worker reports the same values.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector


@dataclass(frozen=True, slots=True)
class QueueGauge:
    """Live figures of one queue at scrape time."""

    queue: str
    depth: int
    oldest_wait_seconds: float
    sla_breaching: int
    agents_online: int


class _QueueCollector(Collector):
    def __init__(self, read: Callable[[], list[QueueGauge]]) -> None:
        self._read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily("handoff_queue_depth", "Handoffs waiting in the queue", labels=["queue"])
        oldest = GaugeMetricFamily(
            "handoff_queue_oldest_wait_seconds", "Wait of the oldest queued handoff", labels=["queue"]
        )
        breaching = GaugeMetricFamily(
            "handoff_queue_sla_breaching", "Queued handoffs already waiting longer than the SLA", labels=["queue"]
        )
        online = GaugeMetricFamily("handoff_queue_agents_online", "Online agents serving the queue", labels=["queue"])
        for gauge in self._read():
            depth.add_metric([gauge.queue], gauge.depth)
            oldest.add_metric([gauge.queue], gauge.oldest_wait_seconds)
            breaching.add_metric([gauge.queue], gauge.sla_breaching)
            online.add_metric([gauge.queue], gauge.agents_online)
        yield from (depth, oldest, breaching, online)


@dataclass(frozen=True, slots=True)
class OutboxGauge:
    """The delivery outbox (agent replies and close notices on their way to Rasa) at scrape time."""

    pending: int
    oldest_pending_seconds: float
    failed: int


class _OutboxCollector(Collector):
    def __init__(self, read: Callable[[], OutboxGauge]) -> None:
        self._read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = self._read()
        yield GaugeMetricFamily("handoff_outbox_depth", "Replies waiting for delivery to Rasa", value=gauge.pending)
        yield GaugeMetricFamily(
            "handoff_outbox_oldest_seconds",
            "Age of the oldest reply waiting for delivery",
            value=gauge.oldest_pending_seconds,
        )
        yield GaugeMetricFamily(
            "handoff_outbox_failed", "Replies whose delivery failed for good (still in the outbox)", value=gauge.failed
        )


def multiprocess_dir() -> str | None:
    """Where the workers of this service count together, when several run (``PROMETHEUS_MULTIPROC_DIR``)."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class Metrics:
    """One registry per app instance (tests create many apps in one process).

    ``registry`` is what ``/metrics`` serves: in multi-process mode the sum over every worker's files plus the
    scrape-time collectors, otherwise this instance's own metrics.
    """

    def __init__(self) -> None:
        own = CollectorRegistry()
        if multiprocess_dir():
            self.registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(self.registry)
        else:
            self.registry = own
        self.created = Counter(
            "handoff_created",
            "Handoffs created",
            ["language", "reason", "queue", "rule"],
            registry=own,
        )
        self.wait_seconds = Histogram(
            "handoff_wait_seconds",
            "Time from queueing to assignment",
            ["queue"],
            buckets=(5, 15, 30, 60, 120, 300, 600, 1800, 3600, 14400, 86400),
            registry=own,
        )
        self.sla_breaches = Counter(
            "handoff_sla_breaches", "Handoffs assigned after their queue's SLA", ["queue"], registry=own
        )
        self.closed = Counter("handoff_closed", "Handoffs closed", ["queue", "return_to_bot"], registry=own)
        self.deliveries = Counter("handoff_deliveries", "Outbox delivery attempts", ["outcome"], registry=own)

    def watch_queues(self, read: Callable[[], list[QueueGauge]]) -> None:
        """Register the scrape-time queue collector."""
        self.registry.register(_QueueCollector(read))

    def watch_outbox(self, read: Callable[[], OutboxGauge]) -> None:
        """Register the scrape-time outbox collector."""
        self.registry.register(_OutboxCollector(read))
