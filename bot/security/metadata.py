"""What a customer-facing client may say about itself in message metadata: hints for the language detector only.

VIP status, priority and the channel never come from a caller; they come from the handoff service's customer
directory and from the channel the message really arrived on.
"""

from __future__ import annotations

from typing import Any

CUSTOMER_METADATA_KEYS = ("locale", "language", "timezone")
MAX_VALUE_LENGTH = 64


def customer_metadata(raw: object) -> dict[str, Any]:
    """The allowed hints of caller-supplied metadata: short strings under the allowed keys, nothing else."""
    if not isinstance(raw, dict):
        return {}
    return {
        key: raw[key]
        for key in CUSTOMER_METADATA_KEYS
        if isinstance(raw.get(key), str) and 0 < len(raw[key]) <= MAX_VALUE_LENGTH
    }
