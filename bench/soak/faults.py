"""The fault script: SIGKILLs each process of the running system in turn and starts it again at once."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Sequence

import httpx

from bench.soak.timeline import Timeline
from scripts.stack import Service, Stack, wait_ready

PROCESSES = ("rasa", "actions", "handoff")


def kill_and_restart(service: Service, timeout_seconds: float = 300.0) -> tuple[float, float]:
    """SIGKILL to the service's whole process group (no chance to flush anything), then a fresh start; returns
    (killed at, ready again at) as Unix times."""
    process = service.process
    if process is None:
        raise RuntimeError(f"{service.name} is not running")
    killed_at = time.time()
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    service.process = None
    service.start()
    with httpx.Client(timeout=2.0) as http:
        wait_ready(service, http, time.monotonic() + timeout_seconds)
    return killed_at, time.time()


class FaultScript:
    """Kills `processes` in turn, `rounds` times, waiting `interval` seconds of healthy running between kills."""

    def __init__(
        self,
        kill: Callable[[str], tuple[float, float]],
        timeline: Timeline,
        processes: Sequence[str],
        rounds: int,
        interval: float,
        log: Callable[[str], None] = print,
    ) -> None:
        self.kill = kill
        self.timeline = timeline
        self.processes = processes
        self.rounds = rounds
        self.interval = interval
        self.log = log
        self.done = threading.Event()
        self.error: BaseException | None = None

    @classmethod
    def on_stack(cls, stack: Stack, timeline: Timeline, **options: object) -> FaultScript:
        return cls(lambda name: kill_and_restart(stack.service(name)), timeline, **options)  # type: ignore[arg-type]

    def run(self, stop: threading.Event) -> None:
        try:
            for round_number in range(1, self.rounds + 1):
                for name in self.processes:
                    if stop.wait(self.interval):
                        return
                    killed_at, ready_at = self.kill(name)
                    self.timeline.fault(name, killed_at, ready_at)
                    self.log(f"round {round_number}: {name} killed, ready again after {ready_at - killed_at:.1f} s")
        except BaseException as error:  # the soak reports it instead of dying silently in a thread
            self.error = error
        finally:
            self.done.set()
