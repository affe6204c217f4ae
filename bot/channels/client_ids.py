"""Message ids a customer's client chooses (REST `message_id`, the web chat's `user_uttered` `message_id`), so that a
message sent again after a failure the client could not see through (the server died before answering) is the same
message: Rasa keeps it under this id, and its relay to the agent is idempotent by it."""

from __future__ import annotations

import hashlib
import unicodedata

MAX_CLIENT_ID_LENGTH = 64


def client_id_problem(offered: object) -> str | None:
    """Why `offered` cannot be a client message id, or None when it can (absent is fine)."""
    if offered is None:
        return None
    if not isinstance(offered, str) or not offered or len(offered) > MAX_CLIENT_ID_LENGTH:
        return f"'message_id' must be a non-empty string of at most {MAX_CLIENT_ID_LENGTH} characters"
    if any(unicodedata.category(character).startswith("C") for character in offered):
        return "'message_id' contains control characters"
    return None


def client_message_id(conversation_id: str, offered: object) -> str | None:
    """The message id for the client's own id in `conversation_id`, bound to the conversation so that no client can
    name another conversation's messages; None when the client offered none (Rasa then makes one)."""
    if offered is None or client_id_problem(offered) is not None:
        return None
    digest = hashlib.sha256(f"{conversation_id}\x00{offered}".encode()).hexdigest()
    return f"client-{digest[:40]}"
