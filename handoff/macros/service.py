"""Storing, changing and finding canned replies (every change audited), and filling them for a conversation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff.errors import ConflictError, InvalidInputError, NotFoundError
from handoff.macros.schemas import MacroFilled, MacroIn, MacroOut, MacroPatch
from handoff.macros.search import rank
from handoff.macros.template import TemplateError, placeholders, render
from handoff.services.context import ServiceContext
from handoff.services.transitions import audit
from handoff.store.models import Agent, CannedReply, Handoff


def checked_placeholders(text: str) -> list[str]:
    """The placeholders of ``text``, or a 422 naming what is wrong with it."""
    try:
        return list(placeholders(text))
    except TemplateError as e:
        raise InvalidInputError("text", str(e)) from e


def macro_out(reply: CannedReply) -> MacroOut:
    """API view of a stored canned reply."""
    return MacroOut(
        id=reply.id,
        shortcut=reply.shortcut,
        language=reply.language,
        title=reply.title,
        text=reply.text,
        placeholders=list(placeholders(reply.text)),
        created_at=reply.created_at,
        updated_at=reply.updated_at,
        updated_by=reply.updated_by,
    )


def _audit(session: Session, ctx: ServiceContext, actor: str, action: str, reply: CannedReply, **extra: Any) -> None:
    details = {"macro_id": reply.id, "shortcut": reply.shortcut, "language": reply.language, **extra}
    audit(session, at=ctx.clock(), actor=actor, action=action, handoff_id=None, details=details)


def _duplicate(body: MacroIn | CannedReply) -> ConflictError:
    return ConflictError(f"a canned reply /{body.shortcut} in language {body.language!r} already exists")


def list_macros(ctx: ServiceContext, *, language: str | None, query: str, limit: int) -> list[MacroOut]:
    """Canned replies matching ``query`` (all when empty), those in ``language`` first."""
    with ctx.sessions() as session:
        replies = list(session.scalars(select(CannedReply)))
        return [macro_out(r) for r in rank(replies, query, [language] if language else [], limit)]


def get_macro(ctx: ServiceContext, macro_id: int) -> MacroOut:
    """One canned reply."""
    with ctx.sessions() as session:
        reply = session.get(CannedReply, macro_id)
        if reply is None:
            raise NotFoundError("canned reply", str(macro_id))
        return macro_out(reply)


def create_macro(ctx: ServiceContext, actor: str, body: MacroIn) -> MacroOut:
    """Store a new canned reply; its text must use only known placeholders."""
    checked_placeholders(body.text)
    now = ctx.clock()
    with ctx.sessions() as session:
        reply = CannedReply(**body.model_dump(), created_at=now, updated_at=now, updated_by=actor)
        session.add(reply)
        try:
            session.flush()
        except IntegrityError as e:
            raise _duplicate(body) from e
        _audit(session, ctx, actor, "macro_created", reply, title=reply.title)
        session.commit()
        return macro_out(reply)


def update_macro(ctx: ServiceContext, actor: str, macro_id: int, patch: MacroPatch) -> MacroOut:
    """Change the given fields; the audit entry names which."""
    changes = patch.model_dump(exclude_unset=True, exclude_none=True)
    if "text" in changes:
        checked_placeholders(changes["text"])
    with ctx.sessions() as session:
        reply = session.get(CannedReply, macro_id)
        if reply is None:
            raise NotFoundError("canned reply", str(macro_id))
        changed = sorted(name for name, value in changes.items() if getattr(reply, name) != value)
        if not changed:
            return macro_out(reply)
        for name in changed:
            setattr(reply, name, changes[name])
        reply.updated_at = ctx.clock()
        reply.updated_by = actor
        conflict = _duplicate(reply)  # built now: after a failed flush the row can no longer be read
        try:
            session.flush()
        except IntegrityError as e:
            raise conflict from e
        _audit(session, ctx, actor, "macro_updated", reply, changed=changed)
        session.commit()
        return macro_out(reply)


def delete_macro(ctx: ServiceContext, actor: str, macro_id: int) -> None:
    """Delete a canned reply (the audit entry keeps its shortcut, language and title)."""
    with ctx.sessions() as session:
        reply = session.get(CannedReply, macro_id)
        if reply is None:
            raise NotFoundError("canned reply", str(macro_id))
        _audit(session, ctx, actor, "macro_deleted", reply, title=reply.title)
        session.delete(reply)
        session.commit()


def fill_values(handoff: Handoff, agent_name: str | None) -> dict[str, str | None]:
    """The placeholder values of a conversation (see ``template.PLACEHOLDERS``)."""
    order_id = (handoff.slots or {}).get("order_id")
    name = (handoff.customer or {}).get("name")
    return {
        "customer_name": name if isinstance(name, str) else None,
        "order_id": str(order_id) if isinstance(order_id, str | int) and not isinstance(order_id, bool) else None,
        "agent_name": agent_name,
        "queue": handoff.queue,
    }


def macros_for_handoff(
    ctx: ServiceContext, handoff_id: str, *, agent_id: str | None, query: str, limit: int
) -> list[MacroFilled]:
    """Canned replies matching ``query``, the conversation's language first, then the agent's own languages,
    filled with the conversation's values."""
    with ctx.sessions() as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            raise NotFoundError("handoff", handoff_id)
        agent = session.get(Agent, agent_id) if agent_id else None
        values = fill_values(handoff, agent.display_name if agent else None)
        languages = [handoff.language, *(agent.languages if agent else [])]
        replies = rank(session.scalars(select(CannedReply)), query, languages, limit)
        result = []
        for reply in replies:
            filled = render(reply.text, values)
            result.append(
                MacroFilled(
                    id=reply.id,
                    shortcut=reply.shortcut,
                    language=reply.language,
                    title=reply.title,
                    text=reply.text,
                    filled=filled.text,
                    missing=list(filled.missing),
                )
            )
        return result
