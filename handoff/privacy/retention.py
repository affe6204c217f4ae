"""Retention: closed conversations, Rasa trackers and customer records without conversations go after
``HANDOFF_RETENTION_DAYS``; erasures are retried.

The privacy worker runs one pass at start (so a service that was down catches up at once) and then every
``HANDOFF_RETENTION_CHECK_SECONDS``. Each pass that purges something is audited (with any store it could not
reach); a store that is down is logged and tried again at the next pass.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.engine import CursorResult

from handoff.adapters.periodic import PeriodicWorker
from handoff.attachments.service import erase_for_handoffs as erase_attachments
from handoff.attachments.service import store_for as attachment_store
from handoff.privacy.disk import checkpoint_deleted
from handoff.privacy.runtime import PrivacyRuntime
from handoff.privacy.stores import StoreUnavailable
from handoff.privacy.tasks import retry_pending
from handoff.schemas import RetentionResult
from handoff.services.context import ServiceContext
from handoff.services.customer_records import purge_idle_records
from handoff.services.transitions import audit
from handoff.states import HandoffStatus
from handoff.store.models import Handoff, Message, OutboxEntry

logger = logging.getLogger(__name__)

ACTOR = "system:retention"
BATCH = 500
RETRY_SOON_SECONDS = 60.0


def retention_cutoff(now: datetime, days: int) -> datetime | None:
    """Closed before this moment means purged; None when retention is off (0 days keeps everything)."""
    return now - timedelta(days=days) if days > 0 else None


def purge_closed(ctx: ServiceContext, cutoff: datetime) -> tuple[int, int]:
    """Delete closed handoffs closed before ``cutoff`` with their messages and deliveries; (handoffs, messages)."""
    handoffs = messages = 0
    with ctx.sessions() as session:
        while True:
            ids = list(
                session.scalars(
                    select(Handoff.id)
                    .where(
                        Handoff.status == HandoffStatus.CLOSED,
                        Handoff.closed_at.is_not(None),
                        Handoff.closed_at < cutoff,
                    )
                    .limit(BATCH)
                )
            )
            if not ids:
                break
            result = session.execute(delete(Message).where(Message.handoff_id.in_(ids)))
            messages += result.rowcount if isinstance(result, CursorResult) else 0
            erase_attachments(session, attachment_store(ctx), ids)
            session.execute(delete(OutboxEntry).where(OutboxEntry.handoff_id.in_(ids)))
            session.execute(delete(Handoff).where(Handoff.id.in_(ids)))
            session.commit()
            handoffs += len(ids)
    return handoffs, messages


def run_privacy_pass(ctx: ServiceContext, runtime: PrivacyRuntime) -> RetentionResult:
    """Retry pending erasures, then purge what is older than the retention period (here and in Rasa)."""
    retried, still_pending = retry_pending(ctx, runtime)
    days = ctx.settings.retention_days
    now = ctx.clock()
    cutoff = retention_cutoff(now, days)
    result = RetentionResult(
        ran=cutoff is not None, older_than_days=days, erasures_retried=retried, erasures_still_pending=still_pending
    )
    if cutoff is None:
        return result
    result.handoffs_purged, result.messages_purged = purge_closed(ctx, cutoff)
    with ctx.sessions() as session:
        # A record whose handoffs are all gone would otherwise keep the customer's identities forever.
        result.customer_records_purged = purge_idle_records(session, cutoff)
        session.commit()
    if result.handoffs_purged:
        checkpoint_deleted(ctx)
    if runtime.rasa is not None:
        try:
            result.rasa_trackers_purged = runtime.rasa.purge_older_than(int((now - cutoff).total_seconds()))
        except StoreUnavailable as e:
            result.errors["rasa"] = str(e)
            logger.warning("retention: Rasa trackers not purged this time: %s", e)
    else:
        result.errors.update({k: v for k, v in runtime.not_configured.items() if k == "rasa"})
    if (
        result.handoffs_purged
        or result.messages_purged
        or result.rasa_trackers_purged
        or result.customer_records_purged
    ):
        with ctx.sessions() as session:
            audit(
                session,
                at=now,
                actor=ACTOR,
                action="retention_purged",
                handoff_id=None,
                details=result.model_dump(),
            )
            session.commit()
    return result


def needs_retry_soon(result: RetentionResult, runtime: PrivacyRuntime) -> bool:
    """An erasure still waits for a store, or a configured store was down: try again within a minute."""
    return result.erasures_still_pending > 0 or any(store in runtime.stores for store in result.errors)


class PrivacyWorker(PeriodicWorker):
    """Background thread running :func:`run_privacy_pass` at start and then every ``interval`` seconds."""

    def __init__(self, ctx: ServiceContext, runtime: PrivacyRuntime, interval: float) -> None:
        super().__init__("handoff-privacy", interval, run_at_start=True)
        self._ctx = ctx
        self._runtime = runtime

    def run_pass(self) -> float | None:
        result = run_privacy_pass(self._ctx, self._runtime)
        return min(self._interval, RETRY_SOON_SECONDS) if needs_retry_soon(result, self._runtime) else None
