"""The edge's answers and request facts over Sanic: JSON errors, credentials of a request, the client's address."""

from __future__ import annotations

import math

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.security.edge import Edge
from bot.security.tokens import bearer, constant_equal, is_admin_jwt


def error(status: int, message: str, retry_after: float | None = None) -> HTTPResponse:
    """`{"error": message}` with `status` (and `Retry-After` in whole seconds when given)."""
    headers = {"Retry-After": str(max(1, math.ceil(retry_after)))} if retry_after is not None else None
    return response.json({"error": message}, status=status, headers=headers)


def too_many(retry_after: float, what: str) -> HTTPResponse:
    return error(429, f"too many requests {what}; retry after the time in Retry-After", retry_after)


def client_address(request: Request) -> str:
    """The client's address: the one a trusted proxy reported (Sanic's proxy settings), else the peer's."""
    return str(request.remote_addr or request.ip or "unknown")


def presented(request: Request) -> str | None:
    """The bearer credential of the request."""
    return bearer(request.headers.get("Authorization"))


def is_server_to_server(request: Request, edge: Edge) -> bool:
    """Whether the request carries the Rasa API token (bearer or Rasa's `?token=`) or an admin JWT."""
    token = presented(request)
    settings = edge.settings
    return (
        constant_equal(settings.api_token, token)
        or constant_equal(settings.api_token, request.args.get("token"))
        or is_admin_jwt(token, settings.jwt_secret)
    )
