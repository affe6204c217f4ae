"""e-mail channel: no schema change

The e-mail channel keeps its thread state (address, subject, Message-IDs) beside the Rasa-side channel in its own
SQLite file, because only the channel's output needs it, and the IMAP poller keeps its UID watermark in another;
the handoff service sees an e-mail conversation like any other channel's. The revision keeps the chain numbered.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 13:00:00
"""

from collections.abc import Sequence

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """No tables: see the module docstring."""


def downgrade() -> None:
    """No tables: see the module docstring."""
