"""Loads the editable YAML configuration (queues, holiday calendars, agent roster) into an empty database, and finds
agents that still sign in with a token documented in a demo roster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handoff.errors import InvalidInputError
from handoff.routing.hours import ScheduleError, build_schedule, normalise_hours
from handoff.schemas import AgentIn, QueueIn
from handoff.secrets_store import hash_token
from handoff.store.models import Agent, HolidayCalendar, Queue

# The demo roster shipped with the package: its tokens are documented, so they are never secret.
DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"


class _QueueFile(QueueIn):
    name: str = Field(min_length=1, max_length=64)


class _AgentFile(AgentIn):
    token: str = Field(min_length=8)


class _Config(BaseModel):
    queues: list[_QueueFile]
    calendars: dict[str, list[str]] = Field(default_factory=dict)
    agents: list[_AgentFile] = Field(default_factory=list)


def _read_yaml(path: Path, key: str) -> Any:
    if not path.exists():
        return [] if key != "calendars" else {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return data.get(key, [] if key != "calendars" else {})


def read_config(directory: Path) -> _Config:
    """Parse and validate ``queues.yml``, ``holidays.yml`` and ``agents.yml`` from ``directory``."""
    raw = {
        "queues": _read_yaml(directory / "queues.yml", "queues"),
        "calendars": _read_yaml(directory / "holidays.yml", "calendars"),
        "agents": _read_yaml(directory / "agents.yml", "agents"),
    }
    try:
        config = _Config.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        raise InvalidInputError(".".join(str(p) for p in first["loc"]), f"{first['msg']} in {directory}") from e
    names = {q.name for q in config.queues}
    for queue in config.queues:
        try:
            build_schedule(queue.timezone, queue.hours, config.calendars.get(queue.holiday_calendar or "", []))
        except ScheduleError as e:
            raise InvalidInputError(f"queues.{queue.name}.{e.field}", str(e)) from e
        if queue.overflow_queue and queue.overflow_queue not in names:
            raise InvalidInputError(f"queues.{queue.name}.overflow_queue", f"unknown queue {queue.overflow_queue!r}")
        if queue.holiday_calendar and queue.holiday_calendar not in config.calendars:
            raise InvalidInputError(f"queues.{queue.name}.holiday_calendar", f"unknown {queue.holiday_calendar!r}")
    for agent in config.agents:
        unknown = set(agent.queues) - names
        if unknown:
            raise InvalidInputError(f"agents.{agent.id}.queues", f"unknown queues {sorted(unknown)}")
    return config


def load_if_empty(session: Session, directory: Path) -> bool:
    """Insert the configuration when the database has no queues yet; True if it loaded."""
    if session.scalar(select(func.count()).select_from(Queue)):
        return False
    config = read_config(directory)
    for name, dates in config.calendars.items():
        session.add(HolidayCalendar(name=name, dates=list(dates)))
    for queue in config.queues:
        data = queue.model_dump()
        data["hours"] = normalise_hours(queue.hours)
        session.add(Queue(**data))
    for agent in config.agents:
        data = agent.model_dump(exclude={"token"})
        session.add(Agent(**data, token_hash=hash_token(agent.token), idle_since=None))
    session.commit()
    return True


def documented_tokens(directories: list[Path]) -> set[str]:
    """Hashes of every token written in the ``agents.yml`` of these directories (they are public knowledge)."""
    hashes: set[str] = set()
    for directory in directories:
        for entry in _read_yaml(directory / "agents.yml", "agents") or []:
            if isinstance(entry, dict) and isinstance(entry.get("token"), str):
                hashes.add(hash_token(entry["token"]))
    return hashes


def agents_with_documented_tokens(session: Session, directories: list[Path]) -> list[str]:
    """Ids of agents whose token is one of the documented demo tokens."""
    hashes = documented_tokens(directories)
    if not hashes:
        return []
    return list(session.scalars(select(Agent.id).where(Agent.token_hash.in_(sorted(hashes))).order_by(Agent.id)))


def demo_token_refusal(demo_mode: bool, agent_ids: list[str]) -> str | None:
    """Why a production start must stop (agents with public demo tokens could sign in), or None."""
    if demo_mode or not agent_ids:
        return None
    return (
        f"refusing to start outside demo mode: agents {', '.join(agent_ids)} still have the documented demo tokens "
        "of handoff/demo/agents.yml. Run `python -m handoff.manage revoke-demo-tokens` (disables them and replaces "
        "their tokens), or rotate/delete them in demo mode, or set NIMBUS_MODE=demo for a demo."
    )
