"""Soak with faults (issue 23): concurrent customers on REST, the web chat (socket.io) and WhatsApp (against a
stand-in Graph API), half of them talking to scripted agents, while a fault script SIGKILLs and restarts the Rasa
server, the action server and the handoff service in turn; then a ledger of everything that was sent.

    PYTHONPATH=. .venv/bin/python -m bench.soak.run                       # full size: 50 customers, 10,000 + 10,000
    PYTHONPATH=. .venv/bin/python -m bench.soak.run --customers 6 --messages 60 --rounds 1

Exit status 0 only when the ledger is clean (nothing lost, duplicated, out of order, stuck; one handoff each).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.soak.agents import AgentAtWork, AgentDesk
from bench.soak.customers import (
    Customer,
    RestCustomer,
    Target,
    WebChatCustomer,
    WhatsAppCustomer,
    WhatsAppInbox,
)
from bench.soak.faults import FaultScript
from bench.soak.ledger import Ledger, Recovery, collect, recovery
from bench.soak.report import RunInfo, render
from bench.soak.system import System, default_system
from bench.soak.timeline import Timeline
from scripts.stack import ROOT
from tests.channels.standin import StandIn

WORK_DIR = ROOT / "var" / "bench-soak"
CHANNELS = ("rest", "socketio", "whatsapp")


@dataclass(frozen=True)
class Plan:
    """How big the soak is and how often it breaks things."""

    customers: int = 50
    messages: int = 10_000  # customer messages to relay, and as many agent replies to deliver
    window: int = 3  # customer messages a human-mode customer sends before waiting for answers
    rounds: int = 3  # times each process is killed
    interval: float = 60.0  # seconds of running between two kills
    faults: tuple[str, ...] = ("rasa", "actions", "handoff")
    deadline: float = 3 * 3600.0  # seconds of traffic at most
    settle: float = 120.0  # seconds the outboxes get to drain after the traffic

    @property
    def human(self) -> int:
        return (self.customers + 1) // 2

    def quota(self, index: int) -> int:
        """Messages of the `index`-th human-mode customer (the total is `messages`)."""
        share, extra = divmod(self.messages, self.human)
        return share + (1 if index < extra else 0)


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


@dataclass
class Outcome:
    ledger: Ledger
    recoveries: list[Recovery]
    info: RunInfo
    fault_error: BaseException | None


def make_customer(
    channel: str, target: Target, timeline: Timeline, tag: str, stop: threading.Event, inbox: WhatsAppInbox
) -> Customer:
    if channel == "rest":
        return RestCustomer(target, timeline, tag, stop)
    if channel == "socketio":
        return WebChatCustomer(target, timeline, tag, stop)
    return WhatsAppCustomer(target, timeline, tag, stop, inbox=inbox)


def soak(system: System, standin: StandIn, plan: Plan, command: str = "") -> Outcome:
    """Runs the traffic and the faults against a started system; the ledger afterwards."""
    started_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    timeline = Timeline()
    target = Target(
        system.rasa_url,
        system.rasa_token,
        system.whatsapp_app_secret,
        system.whatsapp_phone_number_id,
        tuple(system.tracker_urls),
    )
    inbox = WhatsAppInbox(standin, f"/meta/v21.0/{system.whatsapp_phone_number_id}/messages")
    desk = AgentDesk(system.handoff_url, system.admin_token, count=max(1, plan.human // 5))
    desk.open()
    run_id = f"{int(time.time()) % 100000:05d}"
    traffic_stop, background_stop, drain = threading.Event(), threading.Event(), threading.Event()
    human_threads: list[threading.Thread] = []
    other_threads: list[threading.Thread] = []
    by_channel: Counter[str] = Counter()
    agent_ids = sorted(desk.tokens)
    human_index = 0
    for index in range(plan.customers):
        channel = CHANNELS[index % len(CHANNELS)]
        by_channel[channel] += 1
        tag = f"s{run_id}c{index}"
        if index % 2 == 0:
            customer = make_customer(channel, target, timeline, tag, traffic_stop, inbox)
            customer.drain = drain
            quota = plan.quota(human_index)
            human_index += 1
            conversation = timeline.conversation(tag, channel)
            agent = AgentAtWork(desk, timeline, conversation, agent_ids[index % len(agent_ids)], quota)
            human_threads.append(threading.Thread(target=customer.run_human, args=(quota, plan.window), daemon=True))
            other_threads.append(threading.Thread(target=agent.run, args=(traffic_stop,), daemon=True))
        else:
            customer = make_customer(channel, target, timeline, tag, background_stop, inbox)
            other_threads.append(threading.Thread(target=customer.run_bot, daemon=True))
    faults = FaultScript(system.kill, timeline, system.faults, plan.rounds, plan.interval, log=log)
    fault_thread = threading.Thread(target=faults.run, args=(background_stop,), daemon=True)

    started = time.monotonic()
    for thread in [*human_threads, *other_threads, fault_thread]:
        thread.start()
    finished = _wait(human_threads, timeline, started + plan.deadline, plan.messages)
    wall = time.monotonic() - started
    log(f"traffic {'done' if finished else 'stopped at the deadline'} after {wall:.0f} s; stopping the faults")
    background_stop.set()
    fault_thread.join()
    if not finished:  # what was sent still gets its answers (or counts as lost after `settle`)
        drain.set()
        _wait(human_threads, timeline, time.monotonic() + plan.settle, plan.messages)
    traffic_stop.set()
    for thread in [*human_threads, *other_threads]:
        thread.join(timeout=60)
    ledger = _settled(timeline, desk, system, plan.settle)
    desk.close()
    info = RunInfo(
        command=command,
        started_at=started_at,
        setup=system.setup,
        customers=plan.customers,
        human=plan.human,
        by_channel=dict(by_channel),
        messages=plan.messages,
        wall_seconds=wall,
        finished=finished,
        bot_mode=dict(timeline.bot_mode),
        machine=f"{os.cpu_count()} cores, load average at the end "
        + ", ".join(f"{value:.1f}" for value in os.getloadavg()),
    )
    return Outcome(ledger, recovery(timeline), info, faults.error)


def _wait(threads: Sequence[threading.Thread], timeline: Timeline, deadline: float, messages: int) -> bool:
    """Waits for the human-mode customers (each ends when all its messages are answered); logs progress."""
    last_log = 0.0
    while any(thread.is_alive() for thread in threads):
        if time.monotonic() > deadline:
            return False
        if time.monotonic() - last_log > 30:
            last_log = time.monotonic()
            log(f"relayed {timeline.relayed_count()}/{messages}, delivered {timeline.delivered_count()}/{messages}")
        time.sleep(1.0)
    return True


def _settled(timeline: Timeline, desk: AgentDesk, system: System, settle: float) -> Ledger:
    """The ledger once the outboxes are empty (or after `settle` seconds); late duplicates get a few seconds."""
    time.sleep(3.0)
    deadline = time.monotonic() + settle
    while True:
        ledger = collect(timeline, desk, system.actions_outboxes, system.handoff_database_url)
        if sum(ledger.stuck.values()) == 0 or time.monotonic() > deadline:
            return ledger
        time.sleep(2.0)


@contextmanager
def system_for(setup: str, data_dir: Path, standin: StandIn) -> Iterator[System]:
    if setup == "scaled":
        from bench.soak.scaled import scaled_system

        with scaled_system(data_dir, standin) as system:
            yield system
    else:
        with default_system(data_dir, standin) as system:
            yield system


def main(argv: Sequence[str] | None = None, out_default: Callable[[str], Path] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    defaults = Plan()
    parser.add_argument("--customers", type=int, default=defaults.customers)
    parser.add_argument("--messages", type=int, default=defaults.messages, help="customer messages (= agent replies)")
    parser.add_argument("--window", type=int, default=defaults.window)
    parser.add_argument("--rounds", type=int, default=defaults.rounds, help="times each process is killed")
    parser.add_argument("--interval", type=float, default=defaults.interval, help="seconds between kills")
    parser.add_argument("--faults", default=None, help="comma-separated processes to kill (default: all)")
    parser.add_argument("--deadline", type=float, default=defaults.deadline, help="seconds of traffic at most")
    parser.add_argument("--scaled", action="store_true", help="two hosts behind HAProxy (scripts/hosts.py)")
    parser.add_argument("--out", type=Path, default=None, help="also write the report here (Markdown)")
    args = parser.parse_args(argv)
    setup = "scaled" if args.scaled else "default"
    run_dir = WORK_DIR / f"run-{int(time.time())}"
    run_dir.mkdir(parents=True, exist_ok=True)
    command = "PYTHONPATH=. .venv/bin/python -m bench.soak.run " + shlex.join(
        argv if argv is not None else sys.argv[1:]
    )
    log(f"starting the {setup} set-up (data and logs in {run_dir})")
    with StandIn() as standin, system_for(setup, run_dir, standin) as system:
        faults = tuple(args.faults.split(",")) if args.faults else tuple(system.faults)
        plan = Plan(
            customers=args.customers,
            messages=args.messages,
            window=args.window,
            rounds=args.rounds,
            interval=args.interval,
            faults=faults,
            deadline=args.deadline,
        )
        system = System(**{**system.__dict__, "faults": faults})
        outcome = soak(system, standin, plan, command=command.strip())
    report = render(outcome.info, outcome.ledger, outcome.recoveries)
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    (run_dir / "report.md").write_text(report, encoding="utf-8")
    if outcome.fault_error is not None:
        log(f"the fault script failed: {outcome.fault_error!r}")
        return 2
    return 0 if outcome.ledger.clean and outcome.info.finished else 1


if __name__ == "__main__":
    raise SystemExit(main())
