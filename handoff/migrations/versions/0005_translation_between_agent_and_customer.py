"""translation: message translations, agent languages, queues served through translation

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """A queue's languages served through translation; a message's original words and cached translations."""
    with op.batch_alter_table("queues", schema=None) as batch_op:
        batch_op.add_column(sa.Column("translation_languages", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("original_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("original_language", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("translations", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    """Drop the translation columns."""
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("translations")
        batch_op.drop_column("original_language")
        batch_op.drop_column("original_text")
    with op.batch_alter_table("queues", schema=None) as batch_op:
        batch_op.drop_column("translation_languages")
