"""Scrape-time queue gauges read from the database."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select

from handoff.services.context import ServiceContext
from handoff.services.metrics import QueueGauge
from handoff.store.models import Agent, Handoff, Queue


def read_queue_gauges(ctx: ServiceContext) -> list[QueueGauge]:
    """Depth, oldest wait, SLA-breaching count and online agents per queue."""
    now = ctx.clock()
    with ctx.sessions() as session:
        queues = session.scalars(select(Queue).order_by(Queue.name)).all()
        agents = session.scalars(select(Agent).where(Agent.status == "online")).all()
        waiting: dict[str, list[datetime]] = defaultdict(list)
        for queue_name, queued_at in session.execute(
            select(Handoff.queue, Handoff.queued_at).where(Handoff.status == "queued")
        ):
            waiting[queue_name].append(queued_at)
    gauges = []
    for queue in queues:
        waits = [max(0.0, (now - at).total_seconds()) for at in waiting.get(queue.name, [])]
        gauges.append(
            QueueGauge(
                queue=queue.name,
                depth=len(waits),
                oldest_wait_seconds=max(waits, default=0.0),
                sla_breaching=sum(1 for w in waits if w > queue.sla_seconds),
                agents_online=sum(1 for a in agents if queue.name in a.queues),
            )
        )
    return gauges
