"""A customer who changes language while a handoff is open: the handoff says so, the agent sees it, and a handoff
in a queue that does not serve the new language is routed again with the routing used at creation, unless the agent
who already owns it speaks the language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from handoff.adapters.events import Event
from handoff.routing.router import NoRouteError, RouteDecision, route
from handoff.services.assignment import auto_assign_queue
from handoff.services.context import ServiceContext
from handoff.services.queue_stats import queue_states
from handoff.services.transitions import audit, transition
from handoff.states import HandoffStatus, MessageRole
from handoff.store.models import Agent, Handoff, Message, Queue
from language_registry import codes

SERVICE_ACTOR = "service"


@dataclass(frozen=True, slots=True)
class LanguagePlan:
    """What a language change does to one handoff (pure decision; applied by ``apply_language_change``)."""

    changed: bool
    reroute: bool


def plan_language_change(
    current: str,
    new: str,
    status: str,
    queue_languages: frozenset[str],
    agent_languages: frozenset[str] = frozenset(),
) -> LanguagePlan:
    """A handoff whose queue does not speak ``new`` is routed again, unless its agent (when one owns it) does."""
    if not new or new == current or new not in codes():
        return LanguagePlan(changed=False, reroute=False)
    served = new in queue_languages or (status == HandoffStatus.ASSIGNED and new in agent_languages)
    return LanguagePlan(changed=True, reroute=not served)


def apply_language_change(ctx: ServiceContext, session: Session, handoff: Handoff, language: str) -> list[Event]:
    """Record the change on ``handoff`` (audited, a private note for the agent) and route it again if needed.

    Runs inside the caller's transaction; commits before auto-assignment like the other transitions. Returns the
    live events to publish after the commit.
    """
    queue = session.get(Queue, handoff.queue)
    languages = frozenset(queue.languages) if queue is not None else frozenset()
    owner = session.get(Agent, handoff.agent_id) if handoff.agent_id else None
    spoken = frozenset(owner.languages) if owner is not None else frozenset()
    plan = plan_language_change(handoff.language, language, handoff.status, languages, spoken)
    if not plan.changed:
        return []
    now = ctx.clock()
    previous = handoff.language
    handoff.language = language
    # The confidence belonged to the old language's detection.
    handoff.language_confidence = None
    session.add(
        Message(
            handoff_id=handoff.id,
            role=MessageRole.NOTE,
            text=f"The customer now writes in {language} (was {previous}).",
            language=None,
            timestamp=now,
            private=True,
        )
    )
    audit(
        session,
        at=now,
        actor=SERVICE_ACTOR,
        action="language_changed",
        handoff_id=handoff.id,
        details={"from": previous, "to": language},
    )
    recipients = frozenset({handoff.agent_id}) if handoff.agent_id else frozenset()
    events = [
        Event("handoff.language_changed", handoff.id, handoff.queue, recipients, {"from": previous, "to": language})
    ]
    decision = _reroute(ctx, session, handoff, language, now) if plan.reroute else None
    if decision is None or decision.queue == handoff.queue:
        handoff.language_covered = handoff.language_covered if decision is None else decision.language_covered
        session.commit()
        return events
    from_queue = handoff.queue
    # An agent who does not speak the new language hands the conversation back to the queue that does.
    updated = transition(
        session,
        handoff.id,
        expected=(HandoffStatus.QUEUED, HandoffStatus.ASSIGNED),
        to_status=HandoffStatus.QUEUED,
        actor=SERVICE_ACTOR,
        action="rerouted",
        at=now,
        changes={
            "queue": decision.queue,
            "agent_id": None,
            "assigned_at": None,
            "opens_at": decision.opens_at,
            "language_covered": decision.language_covered,
            "queued_at": now,
        },
        details={
            "from_queue": from_queue,
            "to_queue": decision.queue,
            "from_agent": owner.id if owner is not None else None,
            "rule": decision.rule,
            "language": language,
        },
    )
    if owner is not None:
        owner.idle_since = now
    events.append(
        Event(
            "handoff.transferred",
            updated.id,
            decision.queue,
            recipients,
            {"from_queue": from_queue, "to_queue": decision.queue, "agent_id": None},
        )
    )
    session.commit()
    events += auto_assign_queue(session, decision.queue, now, ctx.metrics)
    session.commit()
    return events


def _reroute(
    ctx: ServiceContext, session: Session, handoff: Handoff, language: str, now: datetime
) -> RouteDecision | None:
    try:
        return route(
            queue_states(
                session,
                ctx.settings.handle_time_window,
                ctx.settings.default_handle_seconds,
                now,
                translation=ctx.settings.translation_enabled,
            ),
            language,
            handoff.topic,
            now,
        )
    except NoRouteError:
        # Nowhere better to go: the handoff stays where it is, and the agent still sees the change.
        return None
