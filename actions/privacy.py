"""What the action server keeps about a conversation, for export and erasure, and the pseudonym its log uses."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache
from typing import Any

from actions.outbox import Outbox
from actions.settings import get_settings

__all__ = ["erase_conversation", "export_conversation", "log_id", "pseudonym"]


def pseudonym(conversation_id: str, key: bytes) -> str:
    """A keyed, stable stand-in for a conversation id (a phone number must not be guessable from it)."""
    return hmac.new(key, conversation_id.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


@lru_cache(maxsize=1)
def _log_key() -> bytes:
    configured = get_settings().actions_log_pseudonym_key.get_secret_value()
    # Without a configured key pseudonyms still hide the id; they just differ from one start to the next.
    return configured.encode("utf-8") if configured else secrets.token_bytes(32)


def log_id(conversation_id: str) -> str:
    """How log lines name a conversation: never the id itself, which can be a phone number."""
    return "conv-" + pseudonym(conversation_id, _log_key())


def export_conversation(outbox: Outbox, conversation_id: str) -> dict[str, Any]:
    """Every record the action server holds about the conversation, with counts per store."""
    records = outbox.export(conversation_id)
    return {
        "conversation_id": conversation_id,
        "records": records,
        "counts": {table: len(rows) for table, rows in records.items()},
    }


def erase_conversation(outbox: Outbox, conversation_id: str) -> dict[str, Any]:
    """Deletes everything the action server holds about the conversation; how much went from each store."""
    counts = outbox.erase(conversation_id)
    return {"conversation_id": conversation_id, "erased": counts, "total": sum(counts.values())}
