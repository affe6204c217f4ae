"""Group commit: writes that threads of one process hand in at the same time share one transaction.

The first thread to hand in a write leads: it takes every write waiting, runs them in one transaction of its own
session and commits once, while the writes handed in meanwhile wait for the next turn. When that transaction fails,
each of its writes runs again in a transaction of its own, so one failing write (a unique constraint, say) never
loses the others; its own error goes back to the thread that handed it in. No thread runs in the background: once
its own write is committed a leader hands the lead to the oldest write waiting, or ends it when none is. A write
that finds nobody waiting is simply written and committed in its own session, as without a group commit.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

T = TypeVar("T")

# More writes than this in one transaction would keep the first of them waiting too long.
MAX_BATCH = 64


@dataclass(eq=False, slots=True)
class _Pending(Generic[T]):
    """A write handed in, and what became of it."""

    item: T
    wake: threading.Event = field(default_factory=threading.Event)
    finished: bool = False
    error: Exception | None = None


class GroupCommit(Generic[T]):
    """Runs ``write(session, items)`` for the items threads hand in, in as few transactions as the load allows.

    ``write`` must write every item it is given (one or many) or raise; the leader's session commits or rolls back.
    """

    def __init__(self, write: Callable[[Session, Sequence[T]], None]) -> None:
        self._write = write
        self._lock = threading.Lock()
        self._waiting: list[_Pending[T]] = []
        self._leading = False

    def submit(self, session: Session, item: T) -> None:
        """Write ``item`` and return once it is committed; raises the error of its own write if that failed.

        ``session`` is the caller's: it commits the writes when the caller leads, and is left alone otherwise. It
        must have nothing else to write.
        """
        pending = _Pending(item)
        with self._lock:
            self._waiting.append(pending)
            lead = not self._leading
            self._leading = True
        if not lead:
            pending.wake.wait()  # written by a leader, or asked to lead
        if not pending.finished:
            self._lead(session, pending)
        if pending.error is not None:
            raise pending.error

    def _lead(self, session: Session, mine: _Pending[T]) -> None:
        """Write batches until this thread's own write is done, then hand the lead on (or end it)."""
        try:
            while not mine.finished:
                with self._lock:
                    batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                try:
                    self._run(session, batch)
                except BaseException as error:
                    # The leader itself stopped (interrupted, say): no write it took may wait for ever.
                    for pending in batch:
                        if not pending.finished:
                            _settle(pending, RuntimeError(f"the group commit stopped: {error!r}"))
                    raise
        finally:
            with self._lock:
                if self._waiting:
                    self._waiting[0].wake.set()  # not finished, so it leads
                else:
                    self._leading = False

    def _run(self, session: Session, batch: list[_Pending[T]]) -> None:
        """One transaction for the batch; when it fails, one transaction per write."""
        try:
            self._write(session, [p.item for p in batch])
            session.commit()
        except Exception as error:
            _rollback(session)
            if len(batch) == 1:
                _settle(batch[0], error)
                return
            for pending in batch:
                self._run_alone(session, pending)
            return
        for pending in batch:
            _settle(pending, None)

    def _run_alone(self, session: Session, pending: _Pending[T]) -> None:
        try:
            self._write(session, [pending.item])
            session.commit()
        except Exception as error:  # raised again in the thread that handed the write in
            _rollback(session)
            _settle(pending, error)
            return
        _settle(pending, None)


def _settle(pending: _Pending[Any], error: Exception | None) -> None:
    """Record what became of a write and wake the thread that handed it in."""
    pending.error = error
    pending.finished = True
    pending.wake.set()


def _rollback(session: Session) -> None:
    # A rollback that fails too leaves the write's own error as the one to report.
    with contextlib.suppress(Exception):
        session.rollback()


_GROUPS: weakref.WeakKeyDictionary[Engine, dict[Callable[..., None], GroupCommit[Any]]] = weakref.WeakKeyDictionary()
_GROUPS_LOCK = threading.Lock()


def group_commit(engine: Engine, write: Callable[[Session, Sequence[T]], None]) -> GroupCommit[T]:
    """The process's group commit of ``write`` on ``engine`` (one per pair, shared by every thread)."""
    with _GROUPS_LOCK:
        groups = _GROUPS.setdefault(engine, {})
        group = groups.get(write)
        if group is None:
            group = groups[write] = GroupCommit(write)
        return group
