"""customer records: identities, profile, history links

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Customer records with their identities, the handoff's link to its record, and the last-agent queue setting."""
    op.create_table(
        "customers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=True),
        sa.Column("locale", sa.String(length=35), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.Column("vip", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("tier", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "customer_identities",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=256), nullable=False),
        sa.Column("verified_by", sa.String(length=96), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "external_id", name="uq_customer_identities_channel_id"),
    )
    op.create_index("ix_customer_identities_customer_id", "customer_identities", ["customer_id"], unique=False)
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer_record_id", sa.String(length=36), nullable=True))
        batch_op.create_index("ix_handoffs_customer_record_id", ["customer_record_id"], unique=False)
    with op.batch_alter_table("queues", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prefer_last_agent", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    """Drop the setting, the link and the two tables."""
    with op.batch_alter_table("queues", schema=None) as batch_op:
        batch_op.drop_column("prefer_last_agent")
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_index("ix_handoffs_customer_record_id")
        batch_op.drop_column("customer_record_id")
    op.drop_index("ix_customer_identities_customer_id", table_name="customer_identities")
    op.drop_table("customer_identities")
    op.drop_table("customers")
