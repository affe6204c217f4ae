"""Storing, listing and erasing attachments; the only code that writes attachment rows or files."""

from __future__ import annotations

import base64
import secrets
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from handoff.attachments.sniff import FileType
from handoff.attachments.storage import AttachmentRefused, AttachmentStore
from handoff.auth import Principal
from handoff.errors import NotFoundError
from handoff.schemas import CustomerMessageIn, MessageCreated, ReplyIn
from handoff.services import agent_ops
from handoff.services.context import ServiceContext
from handoff.services.handoffs import add_customer_message
from handoff.services.outgoing import owned_handoff
from handoff.services.transitions import OPEN_STATUSES
from handoff.store.models import Attachment, Handoff


class AttachmentRefusal(Exception):
    """A refused file and the language of the conversation it was meant for (to tell the customer)."""

    def __init__(self, refused: AttachmentRefused, language: str) -> None:
        super().__init__(refused.detail)
        self.reason = refused.reason
        self.detail = refused.detail
        self.language = language


def store_for(ctx: ServiceContext) -> AttachmentStore:
    """The file store under the service's data directory."""
    return AttachmentStore(Path(ctx.settings.var_dir) / "attachments")


def safe_filename(name: str | None, file_type: FileType) -> str:
    """A display name: the sender's base name in printable characters with the extension of the detected type."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    cleaned = "".join(c for c in base if c.isalnum() or c in " -_")[:80].strip() or "attachment"
    return f"{cleaned}.{file_type.extension}"


def _label(file_type: FileType, filename: str, caption: str | None) -> str:
    return f"[{file_type.kind}] {filename}" + (f" {caption}" if caption else "")


def _open_handoff(session: Session, conversation_id: str) -> Handoff:
    handoff = session.scalar(
        select(Handoff).where(Handoff.conversation_id == conversation_id, Handoff.status.in_(OPEN_STATUSES))
    )
    if handoff is None:
        raise NotFoundError("open handoff for conversation", conversation_id)
    return handoff


async def _write(ctx: ServiceContext, chunks: AsyncIterator[bytes], language: str) -> tuple[str, int, FileType]:
    try:
        return await store_for(ctx).write(chunks, ctx.settings.attachment_max_bytes)
    except AttachmentRefused as refused:
        raise AttachmentRefusal(refused, language) from refused


def _row(handoff_id: str, direction: str, key: str, size: int, file_type: FileType, filename: str) -> Attachment:
    return Attachment(
        id=secrets.token_hex(16),
        handoff_id=handoff_id,
        direction=direction,
        kind=file_type.kind,
        mime_type=file_type.mime_type,
        size=size,
        filename=filename,
        storage_key=key,
    )


async def store_inbound(
    ctx: ServiceContext,
    conversation_id: str,
    message_id: str,
    filename: str | None,
    caption: str | None,
    chunks: AsyncIterator[bytes],
    incomplete: bool = False,
) -> tuple[Attachment, MessageCreated]:
    """Store a customer's file for the conversation's open handoff with a transcript line (idempotent by
    ``message_id``: a retry stores nothing new). ``incomplete``: the channel cut the file at its own limit."""
    with ctx.sessions() as session:
        handoff = _open_handoff(session, conversation_id)
        handoff_id, language = handoff.id, handoff.language
    if incomplete:
        too_large = AttachmentRefused("too_large", "the file is larger than the channel's limit")
        raise AttachmentRefusal(too_large, language)
    key, size, file_type = await _write(ctx, chunks, language)
    name = safe_filename(filename, file_type)
    try:
        created = add_customer_message(
            ctx,
            CustomerMessageIn(message_id=message_id, text=_label(file_type, name, caption)),
            handoff_id=handoff_id,
        )
    except BaseException:
        store_for(ctx).delete(key)
        raise
    with ctx.sessions() as session:
        existing = session.scalar(select(Attachment).where(Attachment.message_id == created.message.id))
        if existing is not None:
            store_for(ctx).delete(key)
            return existing, created
        row = _row(handoff_id, "in", key, size, file_type, name)
        row.message_id = created.message.id
        row.created_at = ctx.clock()
        session.add(row)
        session.commit()
        session.refresh(row)
        session.expunge(row)
    return row, created


async def store_outbound(
    ctx: ServiceContext,
    caller: Principal,
    handoff_id: str,
    filename: str | None,
    chunks: AsyncIterator[bytes],
    link_for: Callable[[str], str],
    wake: Callable[[], None],
) -> tuple[Attachment, MessageCreated]:
    """Store the owning agent's file and queue it to the customer as a reply carrying its signed link."""
    with ctx.sessions() as session:
        handoff = owned_handoff(session, caller, handoff_id)
        language = handoff.language
    key, size, file_type = await _write(ctx, chunks, language)
    name = safe_filename(filename, file_type)
    row = _row(handoff_id, "out", key, size, file_type, name)
    row.created_at = ctx.clock()
    with ctx.sessions() as session:
        session.add(row)
        session.commit()
        session.refresh(row)
        session.expunge(row)
    entities = {
        "attachment_url": link_for(row.id),
        "attachment_type": file_type.kind,
        "attachment_name": name,
        "attachment_mime": file_type.mime_type,
    }
    try:
        created = agent_ops.reply(
            ctx, caller, handoff_id, ReplyIn(text=_label(file_type, name, None)), wake, extra_entities=entities
        )
    except BaseException:
        erase(ctx, [row.id])
        raise
    with ctx.sessions() as session:
        stored = session.get(Attachment, row.id)
        if stored is not None:
            stored.message_id = created.message.id
            session.commit()
    row.message_id = created.message.id
    return row, created


def list_for(ctx: ServiceContext, handoff_id: str) -> list[Attachment]:
    """The handoff's attachments, oldest first."""
    with ctx.sessions() as session:
        rows = list(
            session.scalars(
                select(Attachment).where(Attachment.handoff_id == handoff_id).order_by(Attachment.created_at)
            )
        )
        session.expunge_all()
    return rows


def get(ctx: ServiceContext, attachment_id: str) -> Attachment:
    """One attachment's row (404 when unknown)."""
    with ctx.sessions() as session:
        row = session.get(Attachment, attachment_id)
        if row is None:
            raise NotFoundError("attachment", attachment_id)
        session.expunge(row)
    return row


def export_for_handoffs(ctx: ServiceContext, handoff_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The attachments of these handoffs with their bytes (a customer's export)."""
    with ctx.sessions() as session:
        rows = list(session.scalars(select(Attachment).where(Attachment.handoff_id.in_(handoff_ids))))
    store = store_for(ctx)
    exported = []
    for row in rows:
        try:
            content = base64.b64encode(store.read(row.storage_key)).decode("ascii")
        except FileNotFoundError:
            content = None
        exported.append(
            {
                "id": row.id,
                "handoff_id": row.handoff_id,
                "message_id": row.message_id,
                "direction": row.direction,
                "kind": row.kind,
                "mime_type": row.mime_type,
                "size": row.size,
                "filename": row.filename,
                "content_base64": content,
            }
        )
    return exported


def erase_for_handoffs(session: Session, store: AttachmentStore, handoff_ids: Sequence[str]) -> int:
    """Delete the rows and files of these handoffs' attachments (erasure, retention); how many."""
    keys = list(session.scalars(select(Attachment.storage_key).where(Attachment.handoff_id.in_(handoff_ids))))
    session.execute(delete(Attachment).where(Attachment.handoff_id.in_(handoff_ids)))
    for key in keys:
        store.delete(key)
    return len(keys)


def erase(ctx: ServiceContext, attachment_ids: Sequence[str]) -> None:
    """Delete these attachments' rows and files."""
    with ctx.sessions() as session:
        keys = list(session.scalars(select(Attachment.storage_key).where(Attachment.id.in_(attachment_ids))))
        session.execute(delete(Attachment).where(Attachment.id.in_(attachment_ids)))
        session.commit()
    for key in keys:
        store_for(ctx).delete(key)
