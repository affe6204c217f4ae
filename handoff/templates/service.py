"""Approved templates for a conversation, sending one, and what a close does when the customer is out of reach."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from handoff.auth import Principal
from handoff.domain.windows import MessagingWindow
from handoff.errors import InvalidInputError, NotFoundError
from handoff.macros.service import fill_values
from handoff.schemas import MessageCreated
from handoff.services.context import ServiceContext
from handoff.services.outgoing import already_sent, owned_handoff, store_and_queue
from handoff.states import MessageRole
from handoff.store.models import Agent, AuditEntry, Handoff, Message
from handoff.templates.config import FilledTemplate, TemplateSpec, fill, read_templates, whatsapp_template
from handoff.templates.schemas import TemplateOut, TemplateSendIn

# Channels whose output sends a Cloud API template; Twilio needs Content API templates, which are not wired.
TEMPLATE_CHANNELS = frozenset({"whatsapp"})
TEMPLATE_ENTITY = "whatsapp_template"
WINDOW_CLOSED_ENTITY = "window_closed"
UNREACHABLE = "could not reach the customer: window closed"


def _specs(ctx: ServiceContext, language: str) -> list[TemplateSpec]:
    return [spec for spec in read_templates(ctx.settings.demo_dir / "templates.yml") if spec.language == language]


def _filled(ctx: ServiceContext, session: Session, handoff: Handoff, agent_id: str | None) -> list[FilledTemplate]:
    if handoff.channel not in TEMPLATE_CHANNELS:
        return []
    agent = session.get(Agent, agent_id) if agent_id else None
    values = fill_values(handoff, agent.display_name if agent else None)
    return [fill(spec, values) for spec in _specs(ctx, handoff.language)]


def _out(filled: FilledTemplate) -> TemplateOut:
    spec = filled.spec
    return TemplateOut(
        name=spec.name, title=spec.title, language=spec.language, code=spec.code, body=spec.body,
        parameters=spec.parameters, values=list(filled.values), preview=filled.text, missing=list(filled.missing),
        reengagement=spec.reengagement,
    )  # fmt: skip


def templates_for_handoff(ctx: ServiceContext, handoff_id: str, agent_id: str | None) -> list[TemplateOut]:
    """The conversation's language's templates, filled; none on a channel without templates."""
    with ctx.sessions() as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            raise NotFoundError("handoff", handoff_id)
        return [_out(filled) for filled in _filled(ctx, session, handoff, agent_id)]


def _template_entities(filled: FilledTemplate) -> dict[str, str]:
    # A JSON string, because Rasa keeps entity values as given and the action parses it back.
    return {TEMPLATE_ENTITY: json.dumps(whatsapp_template(filled), ensure_ascii=False, separators=(",", ":"))}


def send_template(
    ctx: ServiceContext, caller: Principal, handoff_id: str, body: TemplateSendIn, wake: Callable[[], None]
) -> MessageCreated:
    """Store the filled template as the owner's reply and queue it as a WhatsApp template message."""
    now = ctx.clock()
    with ctx.sessions() as session:
        handoff = owned_handoff(session, caller, handoff_id)
        duplicate = already_sent(ctx, session, handoff_id, body.message_id)
        if duplicate is not None:
            return duplicate
        if handoff.channel not in TEMPLATE_CHANNELS:
            raise InvalidInputError("name", f"channel {handoff.channel!r} has no approved templates here")
        chosen = next((f for f in _filled(ctx, session, handoff, caller.agent_id) if f.spec.name == body.name), None)
        if chosen is None:
            raise InvalidInputError("name", f"no approved template {body.name!r} in language {handoff.language!r}")
        if chosen.missing:
            raise InvalidInputError("name", f"the conversation has no value for {', '.join(chosen.missing)}")
        agent = session.get(Agent, caller.agent_id) if caller.agent_id else None
        message = Message(
            handoff_id=handoff.id, role=MessageRole.AGENT, text=chosen.text, language=handoff.language, timestamp=now,
            client_message_id=body.message_id, agent_id=caller.agent_id, private=False,
        )  # fmt: skip
        entities = {
            "agent_message": chosen.text,
            "agent_name": agent.display_name if agent else "",
            **_template_entities(chosen),
        }
        audit = AuditEntry(
            at=now, actor=caller.actor, action="template_sent", handoff_id=handoff.id,
            details={"template": chosen.spec.name},
        )  # fmt: skip
        created = store_and_queue(session, handoff, message, entities, now, audit=audit)
    wake()
    return created


def close_outside_window(
    ctx: ServiceContext, session: Session, handoff: Handoff, window: MessagingWindow, actor: str, now: datetime
) -> dict[str, Any]:
    """The close notice's extra entities when the window is closed: the re-engagement template when one is
    configured, else nothing to send and a visible event in the transcript and the audit log."""
    notice: dict[str, Any] = {WINDOW_CLOSED_ENTITY: "true"}
    reengagement = next(
        (f for f in _filled(ctx, session, handoff, None) if f.spec.reengagement and not f.missing), None
    )
    if reengagement is not None:
        notice.update(_template_entities(reengagement))
        text = f"Window closed: sent the re-engagement template {reengagement.spec.name!r}: {reengagement.text}"
        details: dict[str, Any] = {"template": reengagement.spec.name}
        action = "reengagement_sent"
    else:
        text = f"{UNREACHABLE[0].upper()}{UNREACHABLE[1:]} ({window.refusal(handoff.channel)})"
        details = {
            "reason": UNREACHABLE,
            "window_closed_at": window.closes_at.isoformat() if window.closes_at else None,
        }
        action = "customer_unreachable"
    session.add(Message(handoff_id=handoff.id, role=MessageRole.EVENT, text=text, timestamp=now, private=False))
    session.add(AuditEntry(at=now, actor=actor, action=action, handoff_id=handoff.id, details=details))
    return notice
