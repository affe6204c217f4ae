"""Time to route with 100 queues and 10,000 open handoffs.

Two figures: the pure routing decision (``handoff.routing.router.route`` over 100 queue states), and a
full ``create_handoff`` (reading queue depth, staffing, recent handling times and holidays from the
database, routing, storing, computing position and expected wait) against a database that already
holds 100 queues, 200 agents and 10,000 open handoffs, on SQLite and PostgreSQL.

    .venv/bin/python bench/handoff/route.py --backends sqlite postgresql
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from common import markdown_table, percentile, throwaway_database
from sqlalchemy import insert

from handoff.routing.hours import build_schedule
from handoff.routing.router import QueueState, route
from handoff.schemas import HandoffCreate
from handoff.services.context import ServiceContext
from handoff.services.events import EventHub
from handoff.services.handoffs import create_handoff
from handoff.services.metrics import Metrics
from handoff.settings import Settings
from handoff.store.db import make_engine, make_session_factory, upgrade_schema
from handoff.store.models import Agent, Handoff, HolidayCalendar, Queue

LANGUAGES = ["en", "es", "pt", "fr", "ar", "zh"]
SKILLS = ["general", "orders", "billing"]
ZONES = ["America/Mexico_City", "Europe/Paris", "Asia/Shanghai", "UTC", "America/New_York", "Asia/Tokyo"]
HOURS = [{"mon-fri": ["08:00-18:00"]}, {"mon-sat": ["08:00-12:00", "13:00-20:00"]}, {"daily": ["22:00-06:00"]}]
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def queue_specs(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """Random but realistic queue definitions."""
    specs = []
    for index in range(count):
        specs.append(
            {
                "name": f"q{index:03d}",
                "languages": sorted(rng.sample(LANGUAGES, rng.randint(1, 3))),
                "skills": sorted(rng.sample(SKILLS, rng.randint(1, 3))),
                "timezone": rng.choice(ZONES),
                "hours": rng.choice(HOURS),
                "overflow_queue": "q000" if index else None,
                "holiday_calendar": "cal",
            }
        )
    return specs


def bench_pure(specs: list[dict[str, Any]], rng: random.Random, runs: int) -> list[float]:
    """Milliseconds per pure routing decision."""
    holidays = ["2026-12-25", "2027-01-01"]
    states = [
        QueueState(
            name=str(s["name"]),
            languages=frozenset(s["languages"]),
            skills=frozenset(s["skills"]),
            schedule=build_schedule(str(s["timezone"]), s["hours"], holidays),
            overflow_queue=s["overflow_queue"],
            depth=rng.randint(0, 200),
            agents_online=rng.randint(0, 5),
        )
        for s in specs
    ]
    timings = []
    for _ in range(runs):
        at = NOW + timedelta(minutes=rng.randint(0, 7 * 24 * 60))
        start = time.perf_counter()
        route(states, rng.choice(LANGUAGES), rng.choice(SKILLS), at)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def populate(ctx: ServiceContext, specs: list[dict[str, Any]], open_handoffs: int, rng: random.Random) -> None:
    """100 queues, 200 agents, ``open_handoffs`` queued handoffs and some closed history."""
    with ctx.sessions() as session:
        session.add(HolidayCalendar(name="cal", dates=["2026-12-25", "2027-01-01"]))
        for spec in specs:
            session.add(Queue(**spec, region="", capacity=1000, auto_assign=False, sla_seconds=300))
        for index in range(200):
            session.add(
                Agent(
                    id=f"a{index}",
                    display_name=f"Agent {index}",
                    token_hash=uuid.uuid4().hex * 2,
                    role="agent",
                    languages=rng.sample(LANGUAGES, 2),
                    skills=SKILLS,
                    queues=[f"q{rng.randrange(len(specs)):03d}"],
                    max_concurrent=3,
                    status="online",
                    idle_since=None,
                )
            )
        session.commit()
        rows: list[dict[str, Any]] = []
        for index in range(open_handoffs + 2000):
            closed = index >= open_handoffs
            created = NOW - timedelta(seconds=rng.randint(60, 86400))
            rows.append(
                {
                    "id": str(uuid.uuid4()),
                    "conversation_id": f"bench-{index}",
                    "open_conversation_key": None if closed else f"bench-{index}",
                    "channel": "rest",
                    "customer_id": f"cust-{index}",
                    "customer": {},
                    "language": rng.choice(LANGUAGES),
                    "language_confidence": 0.9,
                    "language_covered": True,
                    "intents": [],
                    "slots": {},
                    "reason": "explicit_request",
                    "topic": rng.choice(SKILLS),
                    "priority": "normal",
                    "priority_rank": 2,
                    "kb_articles_tried": [],
                    "summary": None,
                    "status": "closed" if closed else "queued",
                    "queue": f"q{rng.randrange(len(specs)):03d}",
                    "agent_id": None,
                    "opens_at": None,
                    "created_at": created,
                    "queued_at": created,
                    "assigned_at": created + timedelta(seconds=30) if closed else None,
                    "closed_at": created + timedelta(seconds=rng.randint(60, 900)) if closed else None,
                    "resolution": None,
                    "return_to_bot": None,
                    "version": 1,
                }
            )
        session.execute(insert(Handoff), rows)
        session.commit()


def bench_service(backend: str, specs: list[dict[str, Any]], open_handoffs: int, runs: int) -> list[float]:
    """Milliseconds per full create_handoff on a populated database."""
    rng = random.Random(7)
    with throwaway_database(backend) as url:
        engine = make_engine(url)
        upgrade_schema(engine)
        settings = Settings(_env_file=None, database_url=url, load_demo=False)  # type: ignore[call-arg]
        ctx = ServiceContext(make_session_factory(engine), settings, EventHub(), Metrics(), clock=lambda: NOW)
        populate(ctx, specs, open_handoffs, rng)
        timings = []
        for index in range(runs):
            body = HandoffCreate.model_validate(
                {
                    "conversation_id": f"new-{index}",
                    "channel": "rest",
                    "customer_id": f"new-{index}",
                    "language": rng.choice(LANGUAGES),
                    "reason": "explicit_request",
                    "topic": rng.choice(SKILLS),
                }
            )
            start = time.perf_counter()
            create_handoff(ctx, body)
            timings.append((time.perf_counter() - start) * 1000)
        engine.dispose()
    return timings


def main() -> None:
    """Run and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--queues", type=int, default=100)
    parser.add_argument("--open-handoffs", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    rng = random.Random(42)
    specs = queue_specs(args.queues, rng)
    rows = []
    pure = bench_pure(specs, rng, 1000)
    rows.append(
        ["pure route()", f"{args.queues} queues", "-", f"{percentile(pure, 50):.3f}", f"{percentile(pure, 99):.3f}"]
    )
    for backend in args.backends:
        timings = bench_service(backend, specs, args.open_handoffs, args.runs)
        rows.append(
            [
                "create_handoff (read state + route + store)",
                f"{args.queues} queues, {args.open_handoffs} open",
                backend,
                f"{percentile(timings, 50):.1f}",
                f"{percentile(timings, 99):.1f}",
            ]
        )
    print(markdown_table(["what", "size", "backend", "p50 ms", "p99 ms"], rows))


if __name__ == "__main__":
    main()
