"""Alembic migrations on an empty and on an existing database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text

from handoff.store.db import alembic_config, downgrade_schema, make_engine, make_session_factory, upgrade_schema
from handoff.store.models import Base, Queue

TABLES = {
    "agents",
    "attachments",
    "audit_log",
    "canned_replies",
    "realtime_tickets",
    "handoffs",
    "holiday_calendars",
    "messages",
    "outbox",
    "privacy_tasks",
    "qa_findings",
    "qa_reviews",
    "customers",
    "customer_identities",
    "queues",
    "alembic_version",
}


def test_upgrade_empty_database_creates_every_table(database_url: str) -> None:
    """From nothing to head: the tables of the models, and the schema matches the models (no drift)."""
    engine = make_engine(database_url)
    upgrade_schema(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
    engine.dispose()


def test_upgrade_existing_database_keeps_data_and_is_idempotent(database_url: str) -> None:
    """Running migrations again on a populated database changes nothing and loses nothing."""
    engine = make_engine(database_url)
    upgrade_schema(engine)
    sessions = make_session_factory(engine)
    with sessions() as session:
        session.add(Queue(name="kept", languages=["en"], skills=["general"], timezone="UTC", hours={}))
        session.commit()
    upgrade_schema(engine)
    with sessions() as session:
        assert list(session.scalars(select(Queue.name))) == ["kept"]
    with engine.connect() as connection:
        head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head
    engine.dispose()


def test_downgrade_to_base_and_up_again(database_url: str) -> None:
    """The initial migration is reversible."""
    engine = make_engine(database_url)
    upgrade_schema(engine)
    downgrade_schema(engine, "base")
    assert not (TABLES - {"alembic_version"}) & set(inspect(engine).get_table_names())
    upgrade_schema(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    engine.dispose()


def test_timestamps_round_trip_as_aware_utc(database_url: str) -> None:
    """Datetimes come back timezone-aware in UTC on both backends."""
    from handoff.store.models import AuditEntry

    engine = make_engine(database_url)
    upgrade_schema(engine)
    sessions = make_session_factory(engine)
    moment = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    with sessions() as session:
        session.add(AuditEntry(at=moment, actor="t", action="x", handoff_id=None, details={}))
        session.commit()
    with sessions() as session:
        assert moment == session.scalar(select(AuditEntry.at))
    engine.dispose()


def test_existing_database_at_first_revision_upgrades_with_data(database_url: str) -> None:
    """A database created by revision 0001 and holding a handoff upgrades to head: data kept, index added."""
    engine = make_engine(database_url)
    upgrade_schema(engine, "0001")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO handoffs (id, conversation_id, channel, customer_id, customer, language, language_covered,"
                " intents, slots, reason, topic, priority, priority_rank, kb_articles_tried, status, queue, created_at,"
                " queued_at, version) VALUES ('h1', 'c1', 'rest', 'u1', '{}', 'en', true, '[]', '{}',"
                " 'explicit_request', 'general', 'normal', 2, '[]', 'queued', 'emea', :at, :at, 1)"
            ),
            {"at": datetime(2026, 11, 23, tzinfo=UTC)},
        )
    assert "ix_handoffs_closed_at" not in {i["name"] for i in inspect(engine).get_indexes("handoffs")}
    upgrade_schema(engine)
    assert "ix_handoffs_closed_at" in {i["name"] for i in inspect(engine).get_indexes("handoffs")}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT conversation_id FROM handoffs WHERE id = 'h1'")).scalar_one() == "c1"
    engine.dispose()
