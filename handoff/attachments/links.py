"""Signed, expiring links to one attachment: what an <img> in the console and a messaging platform fetch."""

from __future__ import annotations

import hashlib
import hmac


def link_key(service_key: str) -> bytes:
    """The signing key, derived from the service key so that no other secret has to be kept."""
    return hmac.new(service_key.encode(), b"attachment-links", hashlib.sha256).digest()


def signature(key: bytes, attachment_id: str, expires: int) -> str:
    """The signature of a link to ``attachment_id`` valid until the Unix time ``expires``."""
    return hmac.new(key, f"{attachment_id}:{expires}".encode(), hashlib.sha256).hexdigest()


def path(key: bytes, attachment_id: str, expires: int) -> str:
    """The link's path (relative to the service's base URL)."""
    return f"/attachments/{attachment_id}?expires={expires}&sig={signature(key, attachment_id, expires)}"


def valid(key: bytes, attachment_id: str, expires: int, sig: str, now: int) -> bool:
    """Whether ``sig`` signs this attachment and has not expired."""
    return now <= expires and hmac.compare_digest(sig, signature(key, attachment_id, expires))
