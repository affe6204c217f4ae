"""agent lifecycle (disable, delete, expiry, rotation), WebSocket tickets, reply delivery status

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 09:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Agent lifecycle columns, the outbox's link to its reply, and the ticket table."""
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("token_rotated_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_outbox_message_id", ["message_id"], unique=False)
    op.create_table(
        "realtime_tickets",
        sa.Column("ticket_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("agent_id", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("ticket_hash"),
    )
    op.create_index("ix_realtime_tickets_expires_at", "realtime_tickets", ["expires_at"], unique=False)


def downgrade() -> None:
    """Drop what :func:`upgrade` added."""
    op.drop_index("ix_realtime_tickets_expires_at", table_name="realtime_tickets")
    op.drop_table("realtime_tickets")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_id")
        batch_op.drop_column("message_id")
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("token_rotated_at")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("disabled")
