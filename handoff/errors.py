"""Exception tree of the handoff service; views map each class to one HTTP status."""

from __future__ import annotations


class HandoffServiceError(Exception):
    """Base of every error the service raises on purpose."""


class NotFoundError(HandoffServiceError):
    """A handoff, queue, agent or conversation does not exist (404)."""

    def __init__(self, entity: str, key: str) -> None:
        super().__init__(f"{entity} {key!r} not found")
        self.entity = entity
        self.key = key


class ConflictError(HandoffServiceError):
    """The request is valid but the current state forbids it, e.g. a claim lost to another agent (409)."""

    def __init__(self, message: str, *, status: str | None = None) -> None:
        super().__init__(message)
        self.status = status


class CapacityError(ConflictError):
    """The agent already has ``max_concurrent`` open conversations (409)."""


class PermissionDeniedError(HandoffServiceError):
    """The caller is authenticated but may not do this (403)."""


class InvalidInputError(HandoffServiceError):
    """Input is well-formed JSON but semantically wrong; ``field`` names what to fix (422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class StartupRefusedError(HandoffServiceError):
    """The service will not start in this configuration (e.g. documented demo tokens outside demo mode)."""
