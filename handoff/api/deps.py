"""FastAPI dependencies as ``Annotated`` aliases: the service context and the authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from handoff.auth import Credentials, Principal, authenticate, process_principal
from handoff.services.context import ServiceContext
from handoff.translation.service import Translator

_bearer = HTTPBearer(auto_error=False, description="service key, admin token or agent token")


# The dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` dependency in the thread pool, and
# each such hop costs more than the dependency itself.


async def get_context(request: Request) -> ServiceContext:
    """The service context created in the lifespan."""
    context: ServiceContext = request.app.state.context
    return context


Context = Annotated[ServiceContext, Depends(get_context)]


async def get_translator(request: Request) -> Translator:
    """The process's translator (created in the lifespan; it may have no provider)."""
    translator: Translator = request.app.state.translator
    return translator


Translation = Annotated[Translator, Depends(get_translator)]


def principal_for_token(request_state_app: object, ctx: ServiceContext, token: str) -> Principal | None:
    """Resolve a bearer token to the caller (also used by ``/metrics``)."""
    credentials: Credentials = request_state_app.state.credentials  # type: ignore[attr-defined]
    with ctx.sessions() as session:
        return authenticate(session, credentials, token, ctx.clock())


async def get_principal(
    request: Request,
    ctx: Context,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The authenticated caller, or 401; only an agent token needs the database (read in the thread pool)."""
    if bearer is None or bearer.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing bearer token", headers={"WWW-Authenticate": "Bearer"}
        )
    credentials: Credentials = request.app.state.credentials
    principal = process_principal(credentials, bearer.credentials)
    if principal is None:
        principal = await run_in_threadpool(principal_for_token, request.app, ctx, bearer.credentials)
    if principal is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid token", headers={"WWW-Authenticate": "Bearer"})
    return principal


Caller = Annotated[Principal, Depends(get_principal)]


async def require_service_or_manager(caller: Caller) -> Principal:
    """The bot's service key, a supervisor or an admin."""
    if not (caller.is_service or caller.is_manager):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "requires the service key or a supervisor/admin token")
    return caller


async def require_service(caller: Caller) -> Principal:
    """Only the bot's service key speaks for customers (messages stored with the customer's role)."""
    if not caller.is_service:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "requires the bot's service key")
    return caller


async def require_agent(caller: Caller) -> Principal:
    """An agent token (any role) — agent operations need an identity."""
    if caller.agent_id is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "requires an agent token")
    return caller


async def require_agent_or_manager(caller: Caller) -> Principal:
    """An agent token or a supervisor/admin (including the admin token)."""
    if caller.agent_id is None and not caller.is_manager:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "requires an agent, supervisor or admin token")
    return caller


async def require_manager(caller: Caller) -> Principal:
    """A supervisor or admin."""
    if not caller.is_manager:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "requires a supervisor or admin token")
    return caller


async def require_admin(caller: Caller) -> Principal:
    """An admin."""
    if not caller.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "requires an admin token")
    return caller


ServiceOrManager = Annotated[Principal, Depends(require_service_or_manager)]
ServiceOnly = Annotated[Principal, Depends(require_service)]
AgentCaller = Annotated[Principal, Depends(require_agent)]
AgentOrManager = Annotated[Principal, Depends(require_agent_or_manager)]
Manager = Annotated[Principal, Depends(require_manager)]
Admin = Annotated[Principal, Depends(require_admin)]
