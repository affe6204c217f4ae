"""Prometheus metrics: counters updated by services, queue gauges collected from the database at scrape."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram
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


class Metrics:
    """One registry per app instance (tests create many apps in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.created = Counter(
            "handoff_created",
            "Handoffs created",
            ["language", "reason", "queue", "rule"],
            registry=self.registry,
        )
        self.wait_seconds = Histogram(
            "handoff_wait_seconds",
            "Time from queueing to assignment",
            ["queue"],
            buckets=(5, 15, 30, 60, 120, 300, 600, 1800, 3600, 14400, 86400),
            registry=self.registry,
        )
        self.sla_breaches = Counter(
            "handoff_sla_breaches", "Handoffs assigned after their queue's SLA", ["queue"], registry=self.registry
        )
        self.closed = Counter("handoff_closed", "Handoffs closed", ["queue", "return_to_bot"], registry=self.registry)
        self.deliveries = Counter("handoff_deliveries", "Outbox delivery attempts", ["outcome"], registry=self.registry)

    def watch_queues(self, read: Callable[[], list[QueueGauge]]) -> None:
        """Register the scrape-time queue collector."""
        self.registry.register(_QueueCollector(read))
