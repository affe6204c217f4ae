"""queued-handoff counters per queue and a routing-configuration version, both kept by triggers

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Columns of an agent that change routing (idle_since changes on every claim and does not).
AGENT_ROUTING_COLUMNS = "status, languages, skills, queues, max_concurrent, disabled, deleted_at, expires_at"

SQLITE_TRIGGERS = [
    """CREATE TRIGGER trg_handoffs_count_insert AFTER INSERT ON handoffs WHEN NEW.status = 'queued'
    BEGIN
        INSERT INTO queue_counters (queue, queued) VALUES (NEW.queue, 1)
        ON CONFLICT (queue) DO UPDATE SET queued = queued + 1;
    END""",
    """CREATE TRIGGER trg_handoffs_count_update AFTER UPDATE OF status, queue ON handoffs
    WHEN (OLD.status = 'queued' OR NEW.status = 'queued')
         AND NOT (OLD.status = NEW.status AND OLD.queue = NEW.queue)
    BEGIN
        UPDATE queue_counters SET queued = queued - 1 WHERE OLD.status = 'queued' AND queue = OLD.queue;
        INSERT INTO queue_counters (queue, queued) SELECT NEW.queue, 1 WHERE NEW.status = 'queued'
        ON CONFLICT (queue) DO UPDATE SET queued = queued + 1;
    END""",
    """CREATE TRIGGER trg_handoffs_count_delete AFTER DELETE ON handoffs WHEN OLD.status = 'queued'
    BEGIN
        UPDATE queue_counters SET queued = queued - 1 WHERE queue = OLD.queue;
    END""",
    *(
        f"""CREATE TRIGGER trg_{table}_version_{operation.split()[0].lower()} AFTER {operation} ON {table}
        BEGIN
            UPDATE routing_version SET version = version + 1 WHERE id = 1;
        END"""
        for table, operations in (
            ("queues", ("INSERT", "UPDATE", "DELETE")),
            ("holiday_calendars", ("INSERT", "UPDATE", "DELETE")),
            ("agents", ("INSERT", f"UPDATE OF {AGENT_ROUTING_COLUMNS}", "DELETE")),
        )
        for operation in operations
    ),
]

POSTGRES_TRIGGERS = [
    """CREATE FUNCTION handoff_count_queued() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            IF OLD.status = 'queued' THEN
                UPDATE queue_counters SET queued = queued - 1 WHERE queue = OLD.queue;
            END IF;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            IF NEW.status = 'queued' THEN
                INSERT INTO queue_counters (queue, queued) VALUES (NEW.queue, 1)
                ON CONFLICT (queue) DO UPDATE SET queued = queue_counters.queued + 1;
            END IF;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER trg_handoffs_count_insert AFTER INSERT ON handoffs
    FOR EACH ROW WHEN (NEW.status = 'queued') EXECUTE FUNCTION handoff_count_queued()""",
    """CREATE TRIGGER trg_handoffs_count_update AFTER UPDATE OF status, queue ON handoffs
    FOR EACH ROW WHEN ((OLD.status = 'queued' OR NEW.status = 'queued')
                       AND NOT (OLD.status = NEW.status AND OLD.queue = NEW.queue))
    EXECUTE FUNCTION handoff_count_queued()""",
    """CREATE TRIGGER trg_handoffs_count_delete AFTER DELETE ON handoffs
    FOR EACH ROW WHEN (OLD.status = 'queued') EXECUTE FUNCTION handoff_count_queued()""",
    """CREATE FUNCTION handoff_bump_routing_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE routing_version SET version = version + 1 WHERE id = 1;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER trg_queues_version AFTER INSERT OR UPDATE OR DELETE ON queues
    FOR EACH STATEMENT EXECUTE FUNCTION handoff_bump_routing_version()""",
    """CREATE TRIGGER trg_holiday_calendars_version AFTER INSERT OR UPDATE OR DELETE ON holiday_calendars
    FOR EACH STATEMENT EXECUTE FUNCTION handoff_bump_routing_version()""",
    f"""CREATE TRIGGER trg_agents_version AFTER INSERT OR DELETE OR UPDATE OF {AGENT_ROUTING_COLUMNS} ON agents
    FOR EACH STATEMENT EXECUTE FUNCTION handoff_bump_routing_version()""",
]


def upgrade() -> None:
    """Counters the routing reads instead of counting queued handoffs, kept exact by the database itself."""
    op.create_table(
        "queue_counters",
        sa.Column("queue", sa.String(64), primary_key=True),
        sa.Column("queued", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "routing_version",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.execute("INSERT INTO routing_version (id, version) VALUES (1, 0)")
    op.execute(
        "INSERT INTO queue_counters (queue, queued) SELECT queue, COUNT(*) FROM handoffs "
        "WHERE status = 'queued' GROUP BY queue"
    )
    op.drop_index("ix_handoffs_queue_status", table_name="handoffs")
    op.create_index("ix_handoffs_queue_status_queued", "handoffs", ["queue", "status", "queued_at"])
    op.create_index("ix_handoffs_status_agent", "handoffs", ["status", "agent_id"])
    triggers = POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    """Drop the triggers, counters and indexes."""
    if op.get_bind().dialect.name == "postgresql":
        for trigger, table in (
            ("trg_handoffs_count_insert", "handoffs"),
            ("trg_handoffs_count_update", "handoffs"),
            ("trg_handoffs_count_delete", "handoffs"),
            ("trg_queues_version", "queues"),
            ("trg_holiday_calendars_version", "holiday_calendars"),
            ("trg_agents_version", "agents"),
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS handoff_count_queued()")
        op.execute("DROP FUNCTION IF EXISTS handoff_bump_routing_version()")
    else:
        names = ["trg_handoffs_count_insert", "trg_handoffs_count_update", "trg_handoffs_count_delete"]
        names += [
            f"trg_{table}_version_{operation}"
            for table in ("queues", "holiday_calendars", "agents")
            for operation in ("insert", "update", "delete")
        ]
        for name in names:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index("ix_handoffs_status_agent", table_name="handoffs")
    op.drop_index("ix_handoffs_queue_status_queued", table_name="handoffs")
    op.create_index("ix_handoffs_queue_status", "handoffs", ["queue", "status"])
    op.drop_table("routing_version")
    op.drop_table("queue_counters")
