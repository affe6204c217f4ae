"""The background reviewer: every pass reviews closed handoffs that have no review yet, the longest closed first,
in batches, so handoffs closed while the service was down are caught up. Several workers (processes or hosts) may
run at once: each review row is claimed before it is computed, and a claim left by a stopped worker is taken over
after ``lease_seconds``."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from handoff.adapters.periodic import PeriodicWorker
from handoff.qa import store
from handoff.qa.language import LanguageGuesser
from handoff.qa.reviewer import review
from handoff.qa.rules import QaRules

logger = logging.getLogger(__name__)

# After a full batch the next one follows at once, so a backlog is worked off quickly.
CATCH_UP_WAIT = 0.05


def worker_name() -> str:
    """A name unique to this process, written on its claims."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Reviewer:
    """Reviews pending handoffs in batches; one instance per process."""

    sessions: sessionmaker[Session]
    rules: QaRules
    detector: LanguageGuesser
    clock: Callable[[], datetime]
    batch_size: int = 50
    lease_seconds: float = 600.0
    name: str = field(default_factory=worker_name)

    def run_batch(self) -> int:
        """Claim and review up to ``batch_size`` handoffs; how many reviews this worker stored."""
        now = self.clock()
        with self.sessions() as session:
            claimed = store.reclaim_stale(
                session, self.name, now, now - timedelta(seconds=self.lease_seconds), self.batch_size
            )
            for handoff_id in store.unreviewed(session, self.batch_size - len(claimed)):
                review_id = store.claim(session, handoff_id, self.name, self.clock())
                if review_id is not None:
                    claimed.append(review_id)
        done = 0
        for review_id in claimed:
            done += self._review_one(review_id)
        return done

    def _review_one(self, review_id: int) -> int:
        with self.sessions() as session:
            conversation = store.conversation_of(session, review_id)
            if conversation is None:
                store.drop_claim(session, review_id, self.name)
                return 0
            result = review(conversation, self.rules.for_queue(conversation.queue), self.detector)
            stored = store.save(session, review_id, self.name, result, self.rules.version, self.clock())
        if stored:
            logger.info("quality review of handoff %s: score %d", conversation.handoff_id, result.score)
        return int(stored)

    def run_until_idle(self, max_batches: int = 1000) -> int:
        """Batches until nothing is left (tests and the catch-up after downtime); the number of reviews stored."""
        total = 0
        for _ in range(max_batches):
            done = self.run_batch()
            total += done
            if done == 0:
                break
        return total


class QaWorker(PeriodicWorker):
    """Runs the reviewer every ``interval`` seconds, at once after a full batch, and first at start-up."""

    def __init__(self, reviewer: Reviewer, interval: float) -> None:
        super().__init__("handoff-quality-review", interval, run_at_start=True)
        self._reviewer = reviewer

    def run_pass(self) -> float | None:
        done = self._reviewer.run_batch()
        return CATCH_UP_WAIT if done >= self._reviewer.batch_size else None
