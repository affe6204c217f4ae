"""Read receipts: the customer's platform reports when they read the agent's replies (WhatsApp ``statuses`` of
``read``, Messenger ``message_reads``); a read at a time covers every earlier reply, as both platforms define it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CursorResult, select, update

from handoff.adapters.events import Event
from handoff.errors import NotFoundError
from handoff.services.context import ServiceContext
from handoff.states import MessageRole
from handoff.store.models import Handoff, Message


def mark_read(ctx: ServiceContext, conversation_id: str, read_at: datetime) -> int:
    """Mark the open handoff's agent replies sent up to ``read_at`` as read; how many were newly marked."""
    with ctx.sessions() as session:
        handoff = session.scalar(select(Handoff).where(Handoff.open_conversation_key == conversation_id))
        if handoff is None:
            raise NotFoundError("open handoff for conversation", conversation_id)
        # A platform clock slightly ahead of ours must not mark a reply stored just after the read.
        seen_until = min(read_at, ctx.clock())
        result = session.execute(
            update(Message)
            .where(
                Message.handoff_id == handoff.id,
                Message.role == MessageRole.AGENT,
                Message.private.is_(False),
                Message.read_at.is_(None),
                Message.timestamp <= seen_until,
            )
            .values(read_at=seen_until)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        count = result.rowcount if isinstance(result, CursorResult) else 0
        if count:
            recipients = frozenset({handoff.agent_id}) if handoff.agent_id else frozenset()
            ctx.hub.publish(
                [Event("message.read", handoff.id, handoff.queue, recipients, {"read_at": seen_until.isoformat()})]
            )
        return count
