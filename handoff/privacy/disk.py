"""Deleted rows must not linger on disk: SQLite keeps old page images in its write-ahead log until a checkpoint."""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from handoff.services.context import ServiceContext

logger = logging.getLogger(__name__)


def checkpoint_deleted(ctx: ServiceContext) -> None:
    """On SQLite, copy the log into the database (whose freed pages ``secure_delete`` zeroed) and truncate the log."""
    with ctx.sessions() as session:
        if session.get_bind().dialect.name != "sqlite":
            return
        try:
            session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        except SQLAlchemyError:  # a busy database checkpoints at the next erasure or retention pass
            logger.warning("could not checkpoint the SQLite log after deleting personal data")
