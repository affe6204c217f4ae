"""Scrape-time figures of the delivery outbox read from the database."""

from __future__ import annotations

from sqlalchemy import func, select

from handoff.adapters.metrics import OutboxGauge
from handoff.services.context import ServiceContext
from handoff.store.models import OutboxEntry


def read_outbox_gauge(ctx: ServiceContext) -> OutboxGauge:
    """Pending replies (also those being sent), the oldest one's age, and the ones given up on."""
    now = ctx.clock()
    with ctx.sessions() as session:
        pending, oldest = session.execute(
            select(func.count(OutboxEntry.id), func.min(OutboxEntry.created_at)).where(
                OutboxEntry.status.in_(("pending", "sending"))
            )
        ).one()
        failed = session.scalar(select(func.count(OutboxEntry.id)).where(OutboxEntry.status == "failed")) or 0
    age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return OutboxGauge(pending=int(pending), oldest_pending_seconds=age, failed=int(failed))
