"""approved message templates per language

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """When the customer's platform reported an agent reply read (templates themselves live in YAML)."""
    op.add_column("messages", sa.Column("read_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Drop the read receipts."""
    op.drop_column("messages", "read_at")
