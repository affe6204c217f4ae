"""How each platform signs its webhooks, written from the platforms' documentation independently of `bot/`, so that
the end-to-end tests check our verification against the documented algorithm."""

from __future__ import annotations

import base64
import hashlib
import hmac


def meta(secret: str, body: bytes) -> str:
    """WhatsApp Cloud API and Messenger: `X-Hub-Signature-256`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def line(secret: str, body: bytes) -> str:
    """LINE: `X-Line-Signature`."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def twilio(token: str, url: str, form: dict[str, str]) -> str:
    """Twilio: `X-Twilio-Signature` over the URL and the sorted form fields."""
    data = url + "".join(key + form[key] for key in sorted(form))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()
