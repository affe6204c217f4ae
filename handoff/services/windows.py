"""The messaging window of a stored handoff: when its customer last wrote, read from the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handoff.domain.windows import MessagingWindow, messaging_window
from handoff.states import MessageRole
from handoff.store.models import Handoff, Message


def last_customer_message_at(session: Session, handoff: Handoff) -> datetime:
    """When the customer last wrote in this conversation (the handoff's creation if no message is stored)."""
    latest = session.scalar(
        select(func.max(Message.timestamp)).where(
            Message.handoff_id == handoff.id, Message.role == MessageRole.CUSTOMER
        )
    )
    return latest or handoff.created_at


def window_of(session: Session, handoff: Handoff, now: datetime) -> MessagingWindow:
    """The messaging window of a stored handoff."""
    return messaging_window(handoff.channel, last_customer_message_at(session, handoff), now)
