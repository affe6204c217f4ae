"""Bearer-token authentication: the bot's service key, the admin token, per-agent tokens with roles."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.secrets_store import hash_token
from handoff.store.models import Agent

ROLES = ("agent", "supervisor", "admin")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling. ``kind`` is ``service``, ``admin`` (the bootstrap token) or ``agent``."""

    kind: str
    role: str
    agent_id: str | None = None
    queues: frozenset[str] = frozenset()

    @property
    def actor(self) -> str:
        """Name written into the audit log."""
        return f"agent:{self.agent_id}" if self.agent_id else self.kind

    @property
    def is_service(self) -> bool:
        """The bot's service key."""
        return self.kind == "service"

    @property
    def is_manager(self) -> bool:
        """Supervisors and admins manage queues and agents and see everything."""
        return self.role in ("supervisor", "admin")

    @property
    def is_admin(self) -> bool:
        """The admin token or an agent with role admin."""
        return self.role == "admin"


@dataclass(frozen=True, slots=True)
class Credentials:
    """The process-wide secrets."""

    service_key: str
    admin_token: str


def agent_may_sign_in(agent: Agent, now: datetime) -> bool:
    """A disabled, deleted or expired agent's token is worth nothing."""
    if agent.disabled or agent.deleted_at is not None:
        return False
    return agent.expires_at is None or agent.expires_at > now


def agent_principal(agent: Agent) -> Principal:
    """The principal of an agent row."""
    return Principal(kind="agent", role=agent.role, agent_id=agent.id, queues=frozenset(agent.queues))


def process_principal(credentials: Credentials, token: str) -> Principal | None:
    """The service or admin principal when ``token`` is one of the process's secrets (no database needed)."""
    if not token:
        return None
    if hmac.compare_digest(token.encode(), credentials.service_key.encode()):
        return Principal(kind="service", role="service")
    if hmac.compare_digest(token.encode(), credentials.admin_token.encode()):
        return Principal(kind="admin", role="admin")
    return None


def authenticate(session: Session, credentials: Credentials, token: str, now: datetime) -> Principal | None:
    """Resolve a bearer token to a principal, or None when it is unknown, disabled, deleted or expired."""
    if not token:
        return None
    fixed = process_principal(credentials, token)
    if fixed is not None:
        return fixed
    agent = session.scalar(select(Agent).where(Agent.token_hash == hash_token(token)))
    if agent is None or not agent_may_sign_in(agent, now):
        return None
    return agent_principal(agent)
