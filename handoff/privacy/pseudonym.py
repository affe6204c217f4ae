"""Keyed pseudonyms of customer identifiers (HMAC-SHA256), so audit entries and logs never carry a phone number.

An unsalted hash of a phone number is reversible by enumerating numbers; a keyed HMAC is not without the key.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from handoff.secrets_store import load_or_create_secret

PREFIX = "cust_"
KEY_FILE = "handoff_pseudonym_key"


def pseudonym(key: str, identifier: str) -> str:
    """The stable pseudonym of ``identifier`` under ``key``: ``cust_`` and 24 hex digits."""
    digest = hmac.new(key.encode("utf-8"), identifier.encode("utf-8"), hashlib.sha256).hexdigest()
    return PREFIX + digest[:24]


def load_key(configured: str | None, var_dir: Path) -> str:
    """``HANDOFF_PSEUDONYM_KEY``, else the key generated once into ``{var}/handoff_pseudonym_key`` (0600)."""
    return load_or_create_secret(configured, var_dir / KEY_FILE).value
