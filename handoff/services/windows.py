"""The messaging window of a stored handoff: when its customer last wrote, read from the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from handoff.domain.windows import MESSENGER_CHANNELS, WHATSAPP_CHANNELS, MessagingWindow, messaging_window
from handoff.states import MessageRole
from handoff.store.models import Handoff, Message

# Built once: constructing the statement costs more than running it.
_LAST_CUSTOMER_MESSAGE = select(func.max(Message.timestamp)).where(
    Message.handoff_id == bindparam("handoff_id"), Message.role == MessageRole.CUSTOMER
)
WINDOWED_CHANNELS = WHATSAPP_CHANNELS | MESSENGER_CHANNELS


def last_customer_message_at(session: Session, handoff: Handoff) -> datetime:
    """When the customer last wrote in this conversation (the handoff's creation if no message is stored)."""
    latest = session.scalar(_LAST_CUSTOMER_MESSAGE, {"handoff_id": handoff.id})
    return latest or handoff.created_at


def window_of(session: Session, handoff: Handoff, now: datetime) -> MessagingWindow:
    """The messaging window of a stored handoff."""
    if handoff.channel not in WINDOWED_CHANNELS:
        # Channels without a window never look at the customer's last message: spare the query.
        return messaging_window(handoff.channel, handoff.created_at, now)
    return messaging_window(handoff.channel, last_customer_message_at(session, handoff), now)
