"""Single-use, short-lived tickets for the live-update WebSocket.

Browsers cannot send an ``Authorization`` header when opening a WebSocket, and a token in the URL ends up in access
logs; so the console trades its bearer token for a ticket over an authenticated POST and opens the socket with it.
Tickets are stored hashed in the database, so any worker can redeem a ticket another one issued, exactly once.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.engine import CursorResult

from handoff.auth import Principal, agent_may_sign_in, agent_principal
from handoff.secrets_store import hash_token
from handoff.services.context import ServiceContext
from handoff.store.models import Agent, RealtimeTicket


def issue_ticket(ctx: ServiceContext, principal: Principal) -> str:
    """A new ticket for ``principal`` valid for ``ws_ticket_seconds`` (expired ones are purged on the way)."""
    now = ctx.clock()
    ticket = secrets.token_urlsafe(32)
    with ctx.sessions() as session:
        session.execute(delete(RealtimeTicket).where(RealtimeTicket.expires_at <= now))
        session.add(
            RealtimeTicket(
                ticket_hash=hash_token(ticket),
                kind=principal.kind,
                agent_id=principal.agent_id,
                expires_at=now + timedelta(seconds=ctx.settings.ws_ticket_seconds),
            )
        )
        session.commit()
    return ticket


def redeem_ticket(ctx: ServiceContext, ticket: str) -> Principal | None:
    """The principal a valid, unexpired, unused ticket stands for (the ticket is used up), else None."""
    if not ticket:
        return None
    now = ctx.clock()
    digest = hash_token(ticket)
    with ctx.sessions() as session:
        row = session.get(RealtimeTicket, digest)
        if row is None:
            return None
        kind, agent_id, expires_at = row.kind, row.agent_id, row.expires_at
        result = session.execute(delete(RealtimeTicket).where(RealtimeTicket.ticket_hash == digest))
        session.commit()
        if not isinstance(result, CursorResult) or result.rowcount != 1 or expires_at <= now:
            return None  # another connection used it first, or it is too old
    return principal_still_valid(ctx, kind, agent_id)


def principal_still_valid(ctx: ServiceContext, kind: str, agent_id: str | None) -> Principal | None:
    """Re-read the caller: an agent disabled, deleted or expired since is no longer anybody."""
    if kind == "admin":
        return Principal(kind="admin", role="admin")
    if kind != "agent" or agent_id is None:
        return None
    with ctx.sessions() as session:
        agent = session.get(Agent, agent_id)
        if agent is None or not agent_may_sign_in(agent, ctx.clock()):
            return None
        return agent_principal(agent)


def origin_allowed(origin: str | None, host: str | None, extra_origins: frozenset[str]) -> bool:
    """A browser's WebSocket must come from a page of this service (its own host) or a configured origin.

    Non-browser clients send no ``Origin``; they cannot be tricked into using someone's session, so they pass
    (the ticket is still required).
    """
    if origin is None:
        return True
    origin = origin.rstrip("/")
    if origin in extra_origins:
        return True
    return host is not None and origin in (f"http://{host}", f"https://{host}")
