"""Webhook signature helpers against the platforms' documented algorithms."""

from __future__ import annotations

import base64
import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from bot.channels.signatures import (
    hub_signature,
    line_signature,
    twilio_signature,
    verify_handshake,
    verify_hub_signature,
    verify_line_signature,
    verify_twilio_signature,
)
from tests.channels import signing

BODY = '{"object":"page","entry":[{"messaging":[{"message":{"text":"مرحبا 你好"}}]}]}'.encode()


def test_hub_signature_is_prefixed_hex_hmac_sha256() -> None:
    """Meta's header is "sha256=" and the lowercase hex HMAC-SHA256 of the raw body."""
    assert hub_signature("secret", b"") == "sha256=f9e66e179b6747ae54108f82f8ade8b3c25d76fd30afde6c395822c530196169"
    assert hub_signature("secret", BODY) == signing.meta("secret", BODY)


def test_hub_signature_verification_table() -> None:
    """Only the exact signature with the right secret verifies."""
    good = signing.meta("secret", BODY)
    cases = [
        (good, True),  # as Meta sends it
        (good.upper().replace("SHA256=", "sha256="), True),  # hex in capitals is the same digest
        (signing.meta("other", BODY), False),  # another app's secret
        (good[len("sha256=") :], False),  # without the prefix
        ("sha1=" + good[7:], False),  # another algorithm's prefix
        ("", False),  # empty header
        (None, False),  # no header
    ]
    for header, expected in cases:
        assert verify_hub_signature("secret", BODY, header) is expected, header
    assert verify_hub_signature("secret", BODY + b" ", good) is False  # body changed after signing
    assert verify_hub_signature("", BODY, signing.meta("", BODY)) is False  # no secret configured: fail closed


def test_line_signature_is_base64_hmac_sha256() -> None:
    """LINE's header is the base64 HMAC-SHA256 of the raw body with the channel secret."""
    assert line_signature("channel-secret", BODY) == signing.line("channel-secret", BODY)
    assert verify_line_signature("channel-secret", BODY, signing.line("channel-secret", BODY))
    assert not verify_line_signature("channel-secret", BODY, signing.line("other", BODY))
    assert not verify_line_signature("channel-secret", BODY, None)
    assert not verify_line_signature("", BODY, signing.line("", BODY))


def test_twilio_signature_matches_twilio_documentation_example() -> None:
    """The example of Twilio's security documentation (auth token 12345) gives its published signature."""
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    assert twilio_signature("12345", url, params) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert verify_twilio_signature("12345", url, params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
    assert not verify_twilio_signature("12345", url, {**params, "Digits": "9999"}, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
    assert not verify_twilio_signature("12345", url.replace("https", "http"), params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")


def test_twilio_repeated_fields_are_signed_sorted() -> None:
    """A field sent several times contributes each distinct value in sorted order, as Twilio's validator does."""
    expected = base64.b64encode(hmac.new(b"t", b"https://xA1A2B3", hashlib.sha1).digest()).decode()
    assert twilio_signature("t", "https://x", {"B": "3", "A": ["2", "1", "2"]}) == expected


def test_verify_handshake_table() -> None:
    """The challenge goes back only for mode subscribe with the configured, non-empty token."""
    assert verify_handshake("token", "subscribe", "token")
    assert not verify_handshake("token", "unsubscribe", "token")
    assert not verify_handshake("token", "subscribe", "guess")
    assert not verify_handshake("token", "subscribe", None)
    assert not verify_handshake("", "subscribe", "")


@given(st.binary(max_size=512), st.text(min_size=1, max_size=40))
def test_any_body_verifies_with_its_own_signature_only(body: bytes, secret: str) -> None:
    """Signing and verification agree for every body and secret; flipping a byte breaks the signature."""
    assert verify_hub_signature(secret, body, hub_signature(secret, body))
    assert verify_line_signature(secret, body, line_signature(secret, body))
    tampered = body + b"!"
    assert not verify_hub_signature(secret, tampered, hub_signature(secret, body))
    assert not verify_line_signature(secret, tampered, line_signature(secret, body))


def test_twilio_signs_blank_fields() -> None:
    """An empty field (a media message has an empty Body) still contributes its name."""
    expected = base64.b64encode(hmac.new(b"t", b"https://xBodyNumMedia1", hashlib.sha1).digest()).decode()
    assert twilio_signature("t", "https://x", {"NumMedia": "1", "Body": ""}) == expected
