"""Liveness and readiness (no authentication, as probes expect) and Prometheus metrics (bearer token
unless ``HANDOFF_METRICS_PUBLIC``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from handoff.api.deps import Context, principal_for_token

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(ctx: Context, response: Response) -> dict[str, str]:
    """The database answers; 503 otherwise."""
    try:
        with ctx.sessions() as session:
            session.execute(text("SELECT 1"))
    except Exception as e:  # any driver error means not ready
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "unavailable", "database": type(e).__name__}
    return {"status": "ready", "database": "ok"}


@router.get("/metrics", response_class=Response)
def metrics(
    request: Request,
    ctx: Context,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(HTTPBearer(auto_error=False))],
) -> Response:
    """Prometheus text exposition: queue depth, waits, SLA breaches, handoffs by language/reason/queue."""
    if not ctx.settings.metrics_public:
        principal = principal_for_token(request.app, ctx, bearer.credentials) if bearer else None
        if principal is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or invalid bearer token")
        if not (principal.is_service or principal.is_manager):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "requires the service key or a supervisor/admin token")
    return Response(generate_latest(ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)
