"""Each store's part of an erasure as a durable task: tried at once, retried by the privacy worker until confirmed."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.privacy.runtime import PrivacyRuntime
from handoff.privacy.stores import StoreUnavailable
from handoff.services.context import ServiceContext
from handoff.services.transitions import audit
from handoff.store.models import PrivacyTask

logger = logging.getLogger(__name__)

RETRY_ACTOR = "system:privacy"


def add_tasks(
    session: Session,
    runtime: PrivacyRuntime,
    *,
    request_id: str,
    customer: str,
    actor: str,
    conversation_ids: Iterable[str],
    now: datetime,
) -> None:
    """One pending task per configured store and conversation id, in the caller's transaction."""
    for store in runtime.stores:
        for conversation_id in conversation_ids:
            session.add(
                PrivacyTask(
                    request_id=request_id,
                    store=store,
                    conversation_id=conversation_id,
                    customer=customer,
                    actor=actor,
                    status="pending",
                    attempts=0,
                    result={},
                    created_at=now,
                )
            )


def without_identifier(answer: dict[str, Any], identifier: str) -> dict[str, Any]:
    """A store's answer without any value equal to the identifier, so the kept result names nobody."""
    return {key: value for key, value in answer.items() if value != identifier}


def _attempt(session: Session, runtime: PrivacyRuntime, task: PrivacyTask, now: datetime) -> None:
    store = runtime.stores.get(task.store)
    if store is None or task.conversation_id is None:
        task.last_error = "store not configured"
        return
    task.attempts += 1
    try:
        answer = store.erase(task.conversation_id)
    except StoreUnavailable as e:
        task.last_error = str(e)
        logger.warning("erasure %s: %s still pending (attempt %d)", task.request_id, task.store, task.attempts)
        return
    task.result = without_identifier(answer, task.conversation_id)
    task.status = "done"
    task.last_error = None
    task.conversation_id = None
    task.finished_at = now


def run_tasks(ctx: ServiceContext, runtime: PrivacyRuntime, request_id: str | None = None) -> list[PrivacyTask]:
    """Try every pending task (of one request, or all); commits after each so progress survives a crash."""
    query = select(PrivacyTask.id).where(PrivacyTask.status == "pending").order_by(PrivacyTask.id)
    if request_id is not None:
        query = query.where(PrivacyTask.request_id == request_id)
    tried: list[PrivacyTask] = []
    with ctx.sessions() as session:
        for task_id in list(session.scalars(query)):
            task = session.get(PrivacyTask, task_id)
            if task is None or task.status != "pending":
                continue
            _attempt(session, runtime, task, ctx.clock())
            session.commit()
            session.refresh(task)
            session.expunge(task)
            tried.append(task)
    return tried


def retry_pending(ctx: ServiceContext, runtime: PrivacyRuntime) -> tuple[int, int]:
    """The worker's pass over erasures that a store has not confirmed yet; audits each one it completes.

    Returns (tasks completed now, tasks still pending).
    """
    tried = run_tasks(ctx, runtime)
    completed = [task for task in tried if task.status == "done"]
    now = ctx.clock()
    with ctx.sessions() as session:
        for task in completed:
            audit(
                session,
                at=now,
                actor=RETRY_ACTOR,
                action="erasure_store_done",
                handoff_id=None,
                details={
                    "customer": task.customer,
                    "request": task.request_id,
                    "store": task.store,
                    "result": task.result,
                    "attempts": task.attempts,
                    "requested_by": task.actor,
                },
            )
        pending = len(session.scalars(select(PrivacyTask.id).where(PrivacyTask.status == "pending")).all())
        session.commit()
    return len(completed), pending
