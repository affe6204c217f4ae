"""The supervisor's dashboard: queue depth and longest wait, agents and their load, today's handoffs by language."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select

from handoff.schemas import AgentLoad, DashboardOut, LanguageToday, QueueLoad
from handoff.services.context import ServiceContext
from handoff.services.queue_stats import active_counts, queue_snapshot
from handoff.states import HandoffStatus
from handoff.store.models import Agent, Handoff


def start_of_day(now: datetime) -> datetime:
    """Midnight UTC of ``now``'s day: "today" on the dashboard is the UTC day."""
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def _seconds(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds()))


def dashboard(ctx: ServiceContext) -> DashboardOut:
    """Everything the supervisor view shows, read in one session."""
    now = ctx.clock()
    with ctx.sessions() as session:
        queues = [
            QueueLoad(
                name=snap.name,
                open_now=snap.open_now,
                depth=snap.depth,
                longest_wait_seconds=None if snap.longest_wait_seconds is None else int(snap.longest_wait_seconds),
                agents_online=snap.agents_online,
                sla_seconds=snap.config.sla_seconds,
            )
            for snap in queue_snapshot(session, now)
        ]
        agents = session.scalars(select(Agent).order_by(Agent.id)).all()
        counts = active_counts(session)
        agent_rows = [
            AgentLoad(
                id=agent.id,
                display_name=agent.display_name,
                status=agent.status,
                active=counts.get(agent.id, 0),
                max_concurrent=agent.max_concurrent,
                queues=list(agent.queues),
            )
            for agent in agents
        ]
        today = session.execute(
            select(Handoff.language, Handoff.status, Handoff.created_at, Handoff.assigned_at).where(
                Handoff.created_at >= start_of_day(now)
            )
        ).all()
    rows = [(language, status, created, assigned) for language, status, created, assigned in today]
    return DashboardOut(generated_at=now, queues=queues, agents=agent_rows, languages=languages_today(rows, now))


TodayRow = tuple[str, str, datetime, datetime | None]


def languages_today(rows: list[TodayRow], now: datetime) -> list[LanguageToday]:
    """Per language: handoffs created, still waiting, and the wait (to claim, or until now while queued)."""
    waits: dict[str, list[int]] = defaultdict(list)
    waiting: dict[str, int] = defaultdict(int)
    for language, status, created_at, assigned_at in rows:
        if status == HandoffStatus.QUEUED:
            waiting[language] += 1
            waits[language].append(_seconds(now - created_at))
        elif assigned_at is not None:
            waits[language].append(_seconds(assigned_at - created_at))
        else:
            waits.setdefault(language, [])
    return [
        LanguageToday(
            language=language,
            handoffs=sum(1 for row in rows if row[0] == language),
            waiting=waiting[language],
            average_wait_seconds=round(sum(values) / len(values)) if values else None,
            longest_wait_seconds=max(values) if values else None,
        )
        for language, values in sorted(waits.items())
    ]
