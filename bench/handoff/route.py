"""Time to route with 100 queues and 10,000 open handoffs.

Two figures: the pure routing decision (``handoff.routing.router.route`` over 100 queue states), and a
full ``create_handoff`` (reading queue depth, staffing, recent handling times and holidays from the
database, routing, storing, computing position and expected wait) against a database that already
holds 100 queues, 200 agents and 10,000 open handoffs, on SQLite and PostgreSQL. With ``--codes baseline new`` each
code tree (see ``load.py``) is measured in its own process, one after the other in the same run.

    .venv/bin/python bench/handoff/route.py --backends sqlite postgresql --codes baseline new
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import ROOT, markdown_table, percentile, python_path, throwaway_database
from sqlalchemy import insert

from handoff.adapters.events import EventHub
from handoff.adapters.metrics import Metrics
from handoff.routing.hours import build_schedule
from handoff.routing.router import QueueState, route
from handoff.schemas import HandoffCreate
from handoff.services.context import ServiceContext
from handoff.services.handoffs import create_handoff
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


def measure_in(code: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Run this script on one code tree in a child process; its rows as dictionaries."""
    command = [sys.executable, __file__, "--child", "--backends", *args.backends]
    command += ["--queues", str(args.queues), "--open-handoffs", str(args.open_handoffs), "--runs", str(args.runs)]
    output = subprocess.run(
        command, cwd=ROOT, env={**os.environ, "PYTHONPATH": python_path(code)}, check=True, capture_output=True
    ).stdout
    return [{**json.loads(line), "code": code} for line in output.decode().splitlines() if line.startswith("{")]


def measure(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The pure decision and a full creation per backend, in this process."""
    rng = random.Random(42)
    specs = queue_specs(args.queues, rng)
    pure = bench_pure(specs, rng, 1000)
    rows: list[dict[str, Any]] = [{"what": "pure route()", "backend": "-", "timings": pure}]
    for backend in args.backends:
        rows.append(
            {
                "what": "create_handoff",
                "backend": backend,
                "timings": bench_service(backend, specs, args.open_handoffs, args.runs),
            }
        )
    return rows


def main() -> None:
    """Run and print a markdown table (and JSON lines with ``--json``)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--codes", nargs="+", default=["baseline", "new"], choices=["baseline", "new"])
    parser.add_argument("--queues", type=int, default=100)
    parser.add_argument("--open-handoffs", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--json", type=Path, help="append one JSON object per row to this file")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        for item in measure(args):
            print(json.dumps(item))
        return
    results = [item for code in args.codes for item in measure_in(code, args)]
    rows = []
    for item in results:
        item.update(
            p50=percentile(item["timings"], 50),
            p99=percentile(item["timings"], 99),
            size=f"{args.queues} queues" + ("" if item["backend"] == "-" else f", {args.open_handoffs} open"),
        )
        rows.append(
            [item["what"], item["code"], item["size"], item["backend"], f"{item['p50']:.3f}", f"{item['p99']:.3f}"]
        )
        if args.json:
            with args.json.open("a") as handle:
                handle.write(json.dumps({k: v for k, v in item.items() if k != "timings"}) + "\n")
    print(markdown_table(["what", "code", "size", "backend", "p50 ms", "p99 ms"], rows))


if __name__ == "__main__":
    main()
