"""Group commit: concurrent writes share transactions, and one failing write never loses the others."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff.store.db import make_engine
from handoff.store.group_commit import GroupCommit, group_commit
from tests.handoff.test_concurrency import race

METADATA = MetaData()
ROWS = Table("rows", METADATA, Column("id", Integer, primary_key=True), Column("name", String(32), unique=True))


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A SQLite file with one table whose names are unique, set up as the service sets up its own."""
    engine = make_engine(f"sqlite:///{tmp_path / 'group.sqlite3'}")
    METADATA.create_all(engine)
    yield engine
    engine.dispose()


class Recorder:
    """A write that inserts names and remembers how many names each transaction was given; the first transaction
    takes ``first_delay`` seconds, so the writes handed in meanwhile wait together."""

    def __init__(self, first_delay: float = 0.0) -> None:
        self.batches: list[int] = []
        self.lock = threading.Lock()
        self.first_delay = first_delay

    def __call__(self, session: Session, names: Sequence[str]) -> None:
        with self.lock:
            self.batches.append(len(names))
            delay = self.first_delay if len(self.batches) == 1 else 0.0
        time.sleep(delay)
        session.execute(insert(ROWS), [{"name": name} for name in names])


def stored(engine: Engine) -> list[str]:
    """The names in the table."""
    with engine.connect() as connection:
        return sorted(connection.scalars(select(ROWS.c.name)))


def submit_together(group: GroupCommit[str], engine: Engine, names: list[str]) -> list[Exception | None]:
    """Hand in every name from its own thread at the same moment; the error each thread got, or None."""
    return [
        outcome if isinstance(outcome, Exception) else None
        for outcome in race([partial(submit_alone, group, engine, name) for name in names])
    ]


def submit_alone(group: GroupCommit[str], engine: Engine, name: str) -> None:
    """Hand in one name from a session of its own."""
    with Session(engine) as session:
        group.submit(session, name)


def test_a_lone_write_is_committed_before_submit_returns(engine: Engine) -> None:
    """One write, one transaction, visible as soon as submit returns."""
    recorder = Recorder()
    with Session(engine) as session:
        GroupCommit(recorder).submit(session, "alone")
    assert stored(engine) == ["alone"]
    assert recorder.batches == [1]


def test_concurrent_writes_are_all_committed_in_fewer_transactions(engine: Engine) -> None:
    """Thirty-two threads at once: every name stored, each exactly once; the writes that came in while the first
    transaction ran shared the next one."""
    recorder = Recorder(first_delay=0.3)
    names = [f"n{i:02d}" for i in range(32)]
    errors = submit_together(GroupCommit(recorder), engine, names)
    assert errors == [None] * 32
    assert names == stored(engine)
    assert sum(recorder.batches) == 32
    assert max(recorder.batches) > 1


def test_one_failing_write_does_not_lose_the_others(engine: Engine) -> None:
    """Sixteen writes wait together behind a slow one, one of them a name already stored: their shared transaction
    fails, each runs again alone, the duplicate's thread gets the IntegrityError and the fifteen others commit."""
    with engine.begin() as connection:
        connection.execute(insert(ROWS), [{"name": "taken"}])
    recorder = Recorder(first_delay=0.3)
    group = GroupCommit(recorder)
    first = threading.Thread(target=submit_alone, args=(group, engine, "first"))
    first.start()
    time.sleep(0.1)  # the slow first write now leads; the sixteen queue behind it
    names = ["taken", *(f"n{i:02d}" for i in range(15))]
    errors = submit_together(group, engine, names)
    first.join(timeout=60)
    assert isinstance(errors[0], IntegrityError)
    assert errors[1:] == [None] * 15
    assert stored(engine) == sorted(["first", "taken", *names[1:]])
    assert recorder.batches[:2] == [1, 16]  # the sixteen shared a transaction before each ran alone


def test_the_group_of_a_write_is_shared_per_engine(engine: Engine, tmp_path: Path) -> None:
    """The same engine and write give the same group; another engine gets its own."""
    recorder = Recorder()
    other = make_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    try:
        assert group_commit(engine, recorder) is group_commit(engine, recorder)
        assert group_commit(engine, recorder) is not group_commit(other, recorder)
    finally:
        other.dispose()
