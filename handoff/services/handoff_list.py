"""Which handoffs a listing shows: filters, the caller's visibility, one page of rows, the total and the counts
per language, channel and queue that the console's filters offer (faceted: each dimension counted under the other
filters)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import InstrumentedAttribute

from handoff.schemas import HandoffOut
from handoff.services.context import ServiceContext
from handoff.services.presenter import present
from handoff.services.transitions import OPEN_STATUSES
from handoff.store.models import Handoff


@dataclass(frozen=True, slots=True)
class HandoffFilter:
    """Every field narrows the list; ``queues_visible``/``visible_agent`` restrict what an agent may see."""

    conversation_id: str | None = None
    status: str | None = None
    queue: str | None = None
    language: str | None = None
    channel: str | None = None
    agent_id: str | None = None
    queues_visible: frozenset[str] | None = None
    visible_agent: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """The WHERE clauses of this filter."""
        where: list[ColumnElement[bool]] = []
        if self.conversation_id is not None:
            where.append(Handoff.conversation_id == self.conversation_id)
        if self.status == "open":
            where.append(Handoff.status.in_(OPEN_STATUSES))
        elif self.status is not None:
            where.append(Handoff.status == self.status)
        for column, value in (
            (Handoff.queue, self.queue),
            (Handoff.language, self.language),
            (Handoff.channel, self.channel),
            (Handoff.agent_id, self.agent_id),
        ):
            if value is not None:
                where.append(column == value)
        if self.queues_visible is not None:
            visible = Handoff.queue.in_(sorted(self.queues_visible))
            where.append(visible | (Handoff.agent_id == self.visible_agent) if self.visible_agent else visible)
        return where


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing and how many rows the whole listing has."""

    items: list[HandoffOut]
    total: int


def _ordered(query: Select[Handoff]) -> Select[Handoff]:
    # Priority first, then who has waited longest; the id makes pages stable when both are equal.
    return query.order_by(Handoff.priority_rank, Handoff.queued_at, Handoff.id)


def list_page(ctx: ServiceContext, where: HandoffFilter, *, limit: int, offset: int) -> Page:
    """The rows ``offset`` to ``offset + limit`` of the filtered list, ordered by priority then waiting time."""
    conditions = where.conditions()
    query = _ordered(select(Handoff).where(*conditions)).limit(limit).offset(offset)
    now = ctx.clock()
    with ctx.sessions() as session:
        total = session.scalar(select(func.count()).select_from(Handoff).where(*conditions)) or 0
        items = [present(session, h, settings=ctx.settings, now=now) for h in session.scalars(query)]
        return Page(items=items, total=total)


def facet_counts(ctx: ServiceContext, where: HandoffFilter) -> tuple[int, dict[str, dict[str, int]]]:
    """How many handoffs match ``where``, and per language, channel and queue how many would match if that
    dimension's own filter were set to each value (the other filters still apply)."""
    dimensions: dict[str, InstrumentedAttribute[str]] = {
        "language": Handoff.language,
        "channel": Handoff.channel,
        "queue": Handoff.queue,
    }
    counts: dict[str, dict[str, int]] = {}
    with ctx.sessions() as session:
        total = session.scalar(select(func.count()).select_from(Handoff).where(*where.conditions())) or 0
        for name, column in dimensions.items():
            others = replace(where, **{name: None}).conditions()
            rows = session.execute(select(column, func.count()).where(*others).group_by(column).order_by(column))
            counts[name] = {str(value): int(count) for value, count in rows}
    return total, counts
