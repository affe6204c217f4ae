"""What every service function needs: sessions, settings, a clock, the event hub and metrics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from handoff.adapters.events import EventHub
from handoff.adapters.metrics import Metrics
from handoff.settings import Settings

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ServiceContext:
    """Shared dependencies of the service layer (created once in the app's lifespan)."""

    sessions: sessionmaker[Session]
    settings: Settings
    hub: EventHub
    metrics: Metrics
    clock: Clock = utc_now
