"""Scrape-time queue gauges: the queue snapshot, as Prometheus figures."""

from __future__ import annotations

from handoff.adapters.metrics import QueueGauge
from handoff.services.context import ServiceContext
from handoff.services.queue_stats import queue_snapshot


def read_queue_gauges(ctx: ServiceContext) -> list[QueueGauge]:
    """Depth, oldest wait, SLA-breaching count and online agents per queue."""
    with ctx.sessions() as session:
        snapshots = queue_snapshot(session, ctx.clock())
    return [
        QueueGauge(
            queue=snap.name,
            depth=snap.depth,
            oldest_wait_seconds=snap.longest_wait_seconds or 0.0,
            sla_breaching=snap.sla_breaching,
            agents_online=snap.agents_online,
        )
        for snap in snapshots
    ]
