"""Webhook signatures of the messaging platforms: pure functions over the raw request body and the shared secret.

- Meta (WhatsApp Cloud API, Messenger): `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`.
- LINE: `X-Line-Signature: <base64 HMAC-SHA256(channel secret, raw body)>`.
- Twilio: `X-Twilio-Signature: <base64 HMAC-SHA1(auth token, full URL + sorted form key/value pairs)>`.

Every comparison is constant-time; a missing header or secret never verifies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping

HUB_PREFIX = "sha256="


def hub_signature(app_secret: str, body: bytes) -> str:
    """The `X-Hub-Signature-256` value Meta sends for `body`."""
    digest = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return HUB_PREFIX + digest


def verify_hub_signature(app_secret: str, body: bytes, header: str | None) -> bool:
    """Whether `header` is Meta's signature of `body` with `app_secret` (hex is compared case-insensitively)."""
    if not app_secret or not header or not header.startswith(HUB_PREFIX):
        return False
    return hmac.compare_digest(hub_signature(app_secret, body), HUB_PREFIX + header[len(HUB_PREFIX) :].lower())


def verify_handshake(verify_token: str, mode: str | None, offered_token: str | None) -> bool:
    """Whether a Meta webhook verification request (`hub.mode`, `hub.verify_token`) may get the challenge back."""
    if not verify_token or mode != "subscribe" or offered_token is None:
        return False
    return hmac.compare_digest(verify_token.encode("utf-8"), offered_token.encode("utf-8"))


def line_signature(channel_secret: str, body: bytes) -> str:
    """The `X-Line-Signature` value LINE sends for `body`."""
    digest = hmac.new(channel_secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_line_signature(channel_secret: str, body: bytes, header: str | None) -> bool:
    """Whether `header` is LINE's signature of `body` with `channel_secret`."""
    if not channel_secret or not header:
        return False
    return hmac.compare_digest(line_signature(channel_secret, body), header.strip())


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str | Iterable[str]]) -> str:
    """The `X-Twilio-Signature` value Twilio sends for a form POST to `url` with `params`.

    Twilio appends every form key followed by its value (each distinct value, sorted, for a repeated key), keys
    sorted, to the full URL it called (scheme, host, path and query string), then signs that string with HMAC-SHA1
    and the account's auth token.
    """
    payload = url
    for key in sorted(params):
        values = params[key]
        for value in [values] if isinstance(values, str) else sorted(set(values)):
            payload += key + value
    digest = hmac.new(auth_token.encode("utf-8"), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_twilio_signature(
    auth_token: str, url: str, params: Mapping[str, str | Iterable[str]], header: str | None
) -> bool:
    """Whether `header` is Twilio's signature of a form POST to `url` with `params`."""
    if not auth_token or not header:
        return False
    return hmac.compare_digest(twilio_signature(auth_token, url, params), header.strip())
