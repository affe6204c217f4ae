"""Attachment endpoints: the bot's channels and agents upload files; agents list them; signed links serve them."""

from __future__ import annotations

import time
from typing import Annotated, Any
from urllib.parse import quote, unquote

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response, status
from fastapi.responses import JSONResponse

from handoff.access import can_see
from handoff.api.agents import _wake
from handoff.api.deps import AgentCaller, Caller, Context, ServiceOnly
from handoff.attachments import links, service
from handoff.attachments.notices import notice
from handoff.attachments.schemas import AttachmentCreated, AttachmentOut, AttachmentRefusedOut
from handoff.services import handoffs as handoff_service
from handoff.services.context import ServiceContext
from handoff.store.models import Attachment

router = APIRouter(tags=["attachments"])
public_router = APIRouter(tags=["attachments"])

# How long a link listed to the console works: long enough to render, short enough not to be worth sharing.
CONSOLE_LINK_SECONDS = 600
REFUSED: dict[int | str, dict[str, Any]] = {
    413: {"model": AttachmentRefusedOut, "description": "the file is larger than HANDOFF_ATTACHMENT_MAX_BYTES"},
    415: {"model": AttachmentRefusedOut, "description": "not a JPEG, PNG, GIF, WebP image or a PDF (by content)"},
}
# Names and captions travel in headers, percent-encoded UTF-8, so that no access log line carries a customer's words.
FileName = Annotated[
    str | None, Header(alias="X-Attachment-Filename", max_length=1024, description="the sender's file name")
]
Caption = Annotated[str | None, Header(alias="X-Attachment-Caption", max_length=4096, description="text sent with it")]


def _decoded(value: str | None) -> str | None:
    return unquote(value)[:1000] if value else None


def content_disposition(disposition: str, filename: str) -> str:
    """The header with an ASCII fallback name and the UTF-8 name (RFC 6266), whatever script the name is in."""
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "-_. ") else "_" for c in filename)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _key(request: Request) -> bytes:
    return links.link_key(request.app.state.credentials.service_key)


def _base(ctx: ServiceContext, request: Request) -> str:
    return (ctx.settings.public_url or str(request.base_url)).rstrip("/")


def _out(ctx: ServiceContext, request: Request, row: Attachment, seconds: int) -> AttachmentOut:
    expires = int(time.time()) + seconds
    url = _base(ctx, request) + links.path(_key(request), row.id, expires)
    return AttachmentOut(
        id=row.id,
        handoff_id=row.handoff_id,
        message_id=row.message_id,
        direction=row.direction,
        kind=row.kind,
        mime_type=row.mime_type,
        size=row.size,
        filename=row.filename,
        url=url,
    )


def _refused(error: service.AttachmentRefusal) -> JSONResponse:
    code = 413 if error.reason == "too_large" else 415
    body = AttachmentRefusedOut(
        detail=error.detail, reason=error.reason, customer_message=notice(error.reason, error.language)
    )
    return JSONResponse(body.model_dump(), status_code=code)


@router.post(
    "/conversations/{conversation_id}/attachments",
    response_model=AttachmentCreated,
    status_code=status.HTTP_201_CREATED,
    responses=REFUSED,
)
async def upload_from_customer(
    conversation_id: str,
    request: Request,
    ctx: Context,
    caller: ServiceOnly,
    message_id: Annotated[str, Query(min_length=1, max_length=128)],
    filename: FileName = None,
    caption: Caption = None,
    incomplete: Annotated[
        bool, Header(alias="X-Attachment-Incomplete", description="the channel cut the file at its own limit")
    ] = False,
) -> AttachmentCreated | JSONResponse:
    """A customer's file (raw body) for the conversation's open handoff (404 when there is none), stored with a
    transcript line whose ``message_id`` makes the bot's later relay of the same message a no-op."""
    try:
        row, created = await service.store_inbound(
            ctx, conversation_id, message_id, _decoded(filename), _decoded(caption), request.stream(), incomplete
        )
    except service.AttachmentRefusal as error:
        return _refused(error)
    return AttachmentCreated(attachment=_out(ctx, request, row, CONSOLE_LINK_SECONDS), message=created)


@router.post(
    "/handoffs/{handoff_id}/attachments",
    response_model=AttachmentCreated,
    status_code=status.HTTP_201_CREATED,
    responses=REFUSED,
)
async def upload_from_agent(
    handoff_id: str, request: Request, ctx: Context, caller: AgentCaller, filename: FileName = None
) -> AttachmentCreated | JSONResponse:
    """The owning agent's file (raw body), sent to the customer as a reply carrying a signed link."""

    def link_for(attachment_id: str) -> str:
        expires = int(time.time()) + ctx.settings.attachment_link_seconds
        return _base(ctx, request) + links.path(_key(request), attachment_id, expires)

    try:
        row, created = await service.store_outbound(
            ctx, caller, handoff_id, _decoded(filename), request.stream(), link_for, lambda: _wake(request)
        )
    except service.AttachmentRefusal as error:
        return _refused(error)
    return AttachmentCreated(attachment=_out(ctx, request, row, CONSOLE_LINK_SECONDS), message=created)


@router.get("/handoffs/{handoff_id}/attachments", response_model=list[AttachmentOut])
def list_attachments(handoff_id: str, request: Request, ctx: Context, caller: Caller) -> list[AttachmentOut]:
    """The handoff's attachments with short-lived signed links (for ``<img>`` and download links in the console)."""
    if not can_see(caller, handoff_service.load_handoff(ctx, handoff_id)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "not in your queues")
    return [_out(ctx, request, row, CONSOLE_LINK_SECONDS) for row in service.list_for(ctx, handoff_id)]


@public_router.get("/attachments/{attachment_id}", response_class=Response)
def serve(
    attachment_id: str,
    request: Request,
    ctx: Context,
    expires: Annotated[int, Query()],
    sig: Annotated[str, Query(max_length=64)],
) -> Response:
    """The file behind a signed link, as the type its content was detected as, never rendered as a page."""
    if not links.valid(_key(request), attachment_id, expires, sig, int(time.time())):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "invalid or expired link")
    row = service.get(ctx, attachment_id)
    body = service.store_for(ctx).read(row.storage_key)
    disposition = "inline" if row.kind == "image" else "attachment"
    return Response(
        body,
        media_type=row.mime_type,
        headers={
            "Content-Disposition": content_disposition(disposition, row.filename),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=600",
        },
    )
