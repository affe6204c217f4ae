"""A background thread that runs one pass of some work every few seconds until stopped."""

from __future__ import annotations

import logging
import threading

logger = logging.getLogger(__name__)


class PeriodicWorker:
    """Runs :meth:`run_pass` every ``interval`` seconds (first at start when ``run_at_start``) until :meth:`stop`.

    A pass may return a shorter wait before the next one; a pass that raises is logged and the next one runs as
    planned, so one failure never stops the worker.
    """

    def __init__(self, name: str, interval: float, *, run_at_start: bool = False) -> None:
        self._interval = interval
        self._run_at_start = run_at_start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def run_pass(self) -> float | None:
        """One pass of the work; the seconds until the next pass when not ``interval``."""
        raise NotImplementedError

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        if not self._run_at_start and self._stop.wait(self._interval):
            return
        while True:
            wait = self._interval
            try:
                wait = self.run_pass() or self._interval
            except Exception:  # keep the worker alive; the next pass tries again
                logger.exception("%s pass failed", self._thread.name)
            if self._stop.wait(wait):
                return
