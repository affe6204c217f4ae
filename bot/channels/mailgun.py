"""Mailgun's inbound webhook (a route's `forward()` to a URL ending in `mime`): signature check and fields (pure).

Mailgun posts the message as form fields: `body-mime` (the raw RFC 5322 message), `recipient`, `sender`, `from`,
`subject`, and the signature triple `timestamp`, `token`, `signature`, where `signature` is the hex
HMAC-SHA256 of `timestamp` followed by `token`, keyed with the account's HTTP webhook signing key. The signature
does not cover the body, so a delivery is accepted only when the timestamp is recent and the token unused.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from bot.channels.inbound import PayloadError

MAX_AGE_SECONDS = 300.0


@dataclass(frozen=True)
class MailgunDelivery:
    """The parts of one inbound webhook the channel uses."""

    timestamp: str
    token: str
    signature: str
    raw: bytes


def mailgun_signature(signing_key: str, timestamp: str, token: str) -> str:
    """The `signature` Mailgun sends with `timestamp` and `token`."""
    return hmac.new(signing_key.encode("utf-8"), (timestamp + token).encode("utf-8"), hashlib.sha256).hexdigest()


def signature_problem(signing_key: str, delivery: MailgunDelivery, now: float, max_age: float = MAX_AGE_SECONDS) -> str:
    """Why the delivery is not Mailgun's (empty string when it is): no key, bad signature, or a stale timestamp."""
    if not signing_key:
        return "no signing key configured"
    if not delivery.signature or not delivery.token or not delivery.timestamp:
        return "missing signature"
    expected = mailgun_signature(signing_key, delivery.timestamp, delivery.token)
    if not hmac.compare_digest(expected, delivery.signature.strip().lower()):
        return "invalid signature"
    try:
        age = now - float(delivery.timestamp)
    except ValueError:
        return "invalid signature"
    if abs(age) > max_age:
        return "stale timestamp"
    return ""


def parse_form(form: Mapping[str, str | bytes]) -> MailgunDelivery:
    """The delivery in a decoded form; `PayloadError` when `body-mime` is missing."""
    raw = form.get("body-mime")
    if raw is None or raw == "" or raw == b"":
        raise PayloadError("no 'body-mime' field (the route must forward to a URL ending in 'mime')")
    return MailgunDelivery(
        timestamp=_text(form.get("timestamp")),
        token=_text(form.get("token")),
        signature=_text(form.get("signature")),
        raw=raw if isinstance(raw, bytes) else raw.encode("utf-8"),
    )


def _text(value: str | bytes | None) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value or ""
