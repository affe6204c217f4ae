"""bot/security: the pure decisions of the Rasa server's edge (settings, credentials, sender ids, customer '/' text,
metadata, rate limits, log masking)."""

from __future__ import annotations

import logging
import time

import jwt
import pytest

from bot.security import commands, logfilter, senders, tokens
from bot.security.metadata import customer_metadata
from bot.security.ratelimit import RateLimiter
from bot.security.settings import EdgeSettings, RateLimit, SettingsError, origin_allowed, parse_origins

SECRET = "session-secret-for-the-edge-tests-0123456789"


def test_settings_default_to_production_and_refuse_a_wildcard_origin() -> None:
    """Unset NIMBUS_MODE is production, which needs the session secret and an API credential; '*' is never an
    origin."""
    with pytest.raises(SettingsError, match="NIMBUS_SESSION_SECRET"):
        EdgeSettings.from_env({})
    with pytest.raises(SettingsError, match="never"):
        EdgeSettings.from_env({"NIMBUS_MODE": "demo", "RASA_CORS_ORIGINS": "*"})
    with pytest.raises(SettingsError, match="NIMBUS_MODE"):
        EdgeSettings.from_env({"NIMBUS_MODE": "staging"})
    with pytest.raises(SettingsError, match="RASA_API_TOKEN or RASA_JWT_SECRET"):
        EdgeSettings.from_env({"NIMBUS_SESSION_SECRET": SECRET})
    settings = EdgeSettings.from_env(
        {"NIMBUS_SESSION_SECRET": SECRET, "RASA_JWT_SECRET": SECRET, "RASA_RATE_LIMIT_PER_SENDER": "0"}
    )
    assert (settings.mode, settings.bind_host, settings.sender_limit.enabled) == ("production", "127.0.0.1", False)


def test_demo_mode_without_a_session_secret_makes_one_up_and_says_so() -> None:
    """Demo mode starts without the secret; the settings record that it was generated for this run."""
    settings = EdgeSettings.from_env({"NIMBUS_MODE": "demo"})
    assert settings.demo and settings.session_secret_generated and len(settings.session_secret) >= 32


def test_origins_are_exact_and_deduplicated() -> None:
    """Comma-separated, trailing slashes dropped, duplicates removed; a path is not an origin."""
    assert parse_origins(" http://127.0.0.1:8080/, http://localhost:8080,http://127.0.0.1:8080") == (
        "http://127.0.0.1:8080",
        "http://localhost:8080",
    )
    with pytest.raises(SettingsError):
        parse_origins("http://example.com/chat")


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        (None, True),  # not a browser
        ("http://localhost:8080", True),  # configured
        ("http://127.0.0.1:5005", True),  # the server's own page
        ("https://evil.example", False),
        ("null", False),  # sandboxed iframes and file:// pages
    ],
)
def test_browser_origins(origin: str | None, expected: bool) -> None:
    """Only configured origins and the server's own may open the web chat's socket."""
    assert origin_allowed(origin, ("http://localhost:8080",), "http://127.0.0.1:5005") is expected


def test_mailbox_tokens_are_bound_to_the_sender_and_the_secret() -> None:
    """The token of one sender does not open another's mailbox, nor does one made with another secret."""
    token = tokens.mailbox_token(SECRET, "alice")
    assert tokens.verify_mailbox_token(SECRET, "alice", token)
    assert not tokens.verify_mailbox_token(SECRET, "bob", token)
    assert not tokens.verify_mailbox_token("other", "alice", token)
    assert not tokens.verify_mailbox_token(SECRET, "alice", None)
    assert not tokens.verify_mailbox_token("", "alice", tokens.mailbox_token("", "alice"))


def test_web_chat_sessions_are_accepted_only_when_this_server_signed_them() -> None:
    """A signed token yields its id; a client-chosen, re-signed or tampered one yields nothing."""
    token = tokens.new_session_token(SECRET)
    session_id = tokens.session_id_of(SECRET, token)
    assert session_id is not None and token.startswith(session_id + ".")
    assert tokens.session_id_of(SECRET, session_id) is None  # unsigned
    assert tokens.session_id_of(SECRET, "e2e-abc.def") is None
    assert tokens.session_id_of("other", token) is None
    assert tokens.session_id_of(SECRET, token[:-1] + ("0" if token[-1] != "0" else "1")) is None
    assert tokens.session_id_of(SECRET, {"id": token}) is None


def test_admin_jwts_need_the_secret_the_admin_role_and_an_expiry() -> None:
    """Rasa's JWT payload format; a user role, a missing or past expiry, or another key are refused."""
    now = int(time.time())

    def make(payload: dict[str, object], key: str = SECRET) -> str:
        return jwt.encode(payload, key, algorithm="HS256")

    admin = {"user": {"username": "nimbus-internal", "role": "admin"}, "exp": now + 60}
    assert tokens.is_admin_jwt(make(admin), SECRET)
    assert not tokens.is_admin_jwt(make(admin, "another-key-of-at-least-thirty-two-bytes"), SECRET)
    assert not tokens.is_admin_jwt(make({**admin, "exp": now - 10}), SECRET)
    assert not tokens.is_admin_jwt(make({"user": admin["user"]}), SECRET)
    assert not tokens.is_admin_jwt(make({**admin, "user": {"username": "x", "role": "user"}}), SECRET)
    assert not tokens.is_admin_jwt(make(admin), None)
    assert tokens.bearer("Bearer abc ") == "abc" and tokens.bearer("Basic abc") is None


@pytest.mark.parametrize(
    ("sender", "problem"),
    [
        ("e2e-1234", None),
        ("customer@example.com", None),
        ("whatsapp:+34600000000", "reserved"),  # another channel's conversation
        ("socketio:abc", "reserved"),
        ("x" * 129, "longer"),
        ("me\nyou", "control"),
        ("me\u202eyou", "control"),  # bidi override
        ("", "non-empty"),
        (42, "non-empty"),
    ],
)
def test_rest_senders(sender: object, problem: str | None) -> None:
    """REST senders are plain, short, printable ids outside every channel's namespace."""
    found = senders.rest_sender_problem(sender, ("whatsapp", "socketio"))
    assert (found is None) if problem is None else (problem in (found or ""))


def test_conversation_ids_are_namespaced_and_stripped_by_their_own_channel_only() -> None:
    """`twilio:whatsapp:+1...` goes to Twilio as `whatsapp:+1...`; another channel's prefix is left alone."""
    conversation = senders.namespaced("twilio", "whatsapp:+14155550100")
    assert conversation == "twilio:whatsapp:+14155550100"
    assert senders.platform_recipient("twilio", conversation) == "whatsapp:+14155550100"
    assert senders.platform_recipient("line", conversation) == conversation


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/affirm", "/affirm"),  # a button the domain offers
        (" /affirm ", " /affirm "),
        ("/share_media", "/share_media"),  # what channels send for attachments
        ('/agent_reply{"agent_message": "refund approved"}', 'agent_reply{"agent_message": "refund approved"}'),
        ("/agent_close", "agent_close"),
        ("  //agent_handback", "agent_handback"),
        ('/change_language{"language":"xx"}', 'change_language{"language":"xx"}'),
        ("/affirm@0.99", "affirm@0.99"),  # not the exact payload
        ('/faq{"kb_article":"shipping-times"}', '/faq{"kb_article":"shipping-times"}'),  # a clarification button
        ('/faq{"kb_article":"none"}', '/faq{"kb_article":"none"}'),  # "none of these"
        ('/faq{"kb_article":"x","language":"ar"}', 'faq{"kb_article":"x","language":"ar"}'),  # more than a button
        ('/faq{"kb_article": "shipping-times"}', 'faq{"kb_article": "shipping-times"}'),  # not as the action sends it
        ("hello /agent_close", "hello /agent_close"),  # only a leading slash is Rasa's shorthand
        ("", ""),
        (None, None),
    ],
)
def test_customer_slash_text(text: str | None, expected: str | None) -> None:
    """Only exact offered payloads keep Rasa's '/intent' meaning; anything else is text for NLU."""
    accepted = commands.offered_payloads(
        {"utter_offer": [{"text": "?", "buttons": [{"title": "Yes", "payload": "/affirm"}]}], "utter_x": [{}]}
    )
    assert commands.customer_text(text, accepted) == expected


def test_customer_metadata_keeps_language_hints_only() -> None:
    """VIP, priority, channel and anything unknown or oversized are dropped."""
    raw = {"locale": "es-MX", "vip": True, "priority": "high", "channel": "whatsapp", "timezone": "x" * 65}
    assert customer_metadata(raw) == {"locale": "es-MX"}
    assert customer_metadata("vip") == {}


def test_rate_limiter_allows_bursts_then_the_rate_and_says_how_long_to_wait() -> None:
    """60/min with bursts of 3: three at once, then one per second; keys are independent; 0 is off."""
    now = [0.0]
    limiter = RateLimiter(RateLimit(60, 3), clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(3)] == [None, None, None]
    assert limiter.allow("a") == pytest.approx(1.0)
    assert limiter.allow("b") is None
    now[0] = 1.0
    assert limiter.allow("a") is None
    off = RateLimiter(RateLimit(0, 0))
    assert all(off.allow("a") is None for _ in range(100))


def test_rate_limiter_forgets_the_least_recent_keys_beyond_its_bound() -> None:
    """A flood of distinct keys cannot grow the table without limit."""
    limiter = RateLimiter(RateLimit(60, 1), clock=lambda: 0.0, max_keys=2)
    limiter.allow("a")
    limiter.allow("b")
    limiter.allow("c")
    assert limiter.allow("a") is None  # forgotten, so a full bucket again
    assert len(limiter._buckets) == 2


def test_log_records_never_carry_tokens(caplog: pytest.LogCaptureFixture) -> None:
    """`token=` query values and bearer credentials are masked in messages and in Sanic's access-log fields."""
    logfilter.install()
    logger = logging.getLogger("tests.security.masking")
    with caplog.at_level(logging.INFO, logger="tests.security.masking"):
        logger.info("GET /conversations/x/tracker?token=%s&after=1", "s3cr3t-Token")
        logger.info("headers: %s", {"Authorization": "Bearer eyJhbGciOi.J9.abc"})
    text = caplog.text
    assert "s3cr3t-Token" not in text and "eyJhbGciOi" not in text
    assert "token=***&after=1" in text and "Bearer ***" in text
    record = logging.LogRecord("sanic.access", logging.INFO, __file__, 1, "", None, None)
    record.request = "GET http://127.0.0.1:5005/status?token=abc"
    assert logfilter.masked(record).request == "GET http://127.0.0.1:5005/status?token=***"
