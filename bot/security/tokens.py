"""Credentials the Rasa server issues or checks: pure functions over the secret and the presented value.

- REST mailbox token: HMAC-SHA256(session secret, "mailbox\\0" + sender), handed to the REST client with each webhook
  answer and required to read that sender's mailbox.
- Web-chat session: `<id>.<HMAC-SHA256(session secret, "webchat\\0" + id)>`, issued by the server; a client that
  presents anything else gets a new one.
- Admin JWT: HS256 with the Rasa JWT secret, payload `{"user": {"role": "admin", ...}, "exp": ...}` (Rasa's format).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid

import jwt

SESSION_ID = re.compile(r"^[0-9a-f]{32}$")


def _mac(secret: str, purpose: str, value: str) -> str:
    message = f"{purpose}\0{value}".encode()
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def mailbox_token(secret: str, sender: str) -> str:
    """The token that lets a REST client read `sender`'s mailbox."""
    return _mac(secret, "mailbox", sender)


def verify_mailbox_token(secret: str, sender: str, presented: str | None) -> bool:
    """Whether `presented` is `sender`'s mailbox token (constant-time; never true without a secret)."""
    if not secret or not presented:
        return False
    return hmac.compare_digest(mailbox_token(secret, sender), presented.strip())


def new_session_token(secret: str) -> str:
    """A new signed web-chat session token."""
    session_id = uuid.uuid4().hex
    return f"{session_id}.{_mac(secret, 'webchat', session_id)}"


def session_id_of(secret: str, token: object) -> str | None:
    """The session id inside a token this server signed; None for anything forged, unsigned or malformed."""
    if not secret or not isinstance(token, str) or token.count(".") != 1:
        return None
    session_id, signature = token.split(".")
    if not SESSION_ID.match(session_id):
        return None
    return session_id if hmac.compare_digest(_mac(secret, "webchat", session_id), signature) else None


def bearer(authorization: str | None) -> str | None:
    """The credential of an `Authorization: Bearer <credential>` header."""
    if not authorization:
        return None
    scheme, _, credential = authorization.strip().partition(" ")
    return credential.strip() or None if scheme.lower() == "bearer" else None


def is_admin_jwt(token: str | None, secret: str | None) -> bool:
    """Whether `token` is an unexpired HS256 JWT signed with `secret` whose user has the role `admin`."""
    if not token or not secret:
        return False
    try:
        payload = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp"]})
    except jwt.PyJWTError:
        return False
    user = payload.get("user")
    return isinstance(user, dict) and user.get("role") == "admin"


def constant_equal(expected: str | None, presented: str | None) -> bool:
    """Whether a configured credential equals the presented one (never true when nothing is configured)."""
    if not expected or not presented:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), presented.encode("utf-8"))
