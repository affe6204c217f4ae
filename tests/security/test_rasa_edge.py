"""Attacks on the Rasa server from outside, over HTTP and WebSocket, against the real process.

Most run against the system as `make run` starts it (demo mode, the shared `system` fixture). Production mode, the
REST credential and small rate limits are tried against a second Rasa server of our entry point started alone
(`production_rasa`), so the shared system keeps its ordinary limits.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import jwt
import pytest
import socketio

from scripts.stack import Service, StackConfig, build_services, wait_ready
from tests.e2e.client import SystemClient, wait_until, web_chat_session

pytestmark = pytest.mark.e2e

MAILBOX_HEADER = "X-Nimbus-Mailbox-Token"
EVIL_ORIGIN = "https://evil.example"


def rasa(system: SystemClient) -> httpx.Client:
    return system.rasa


def admin_jwt(secret: str, seconds: int = 60) -> str:
    """What the handoff service sends to Rasa: Rasa's JWT payload with the admin role, signed with RASA_JWT_SECRET."""
    payload = {"user": {"username": "nimbus-internal", "role": "admin"}, "exp": int(time.time()) + seconds}
    return jwt.encode(payload, secret, algorithm="HS256")


def admin_headers(system: SystemClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {admin_jwt(system.stack.config.internal.rasa_jwt_secret)}"}


def post_message(client: httpx.Client, sender: str, text: str, **extra: Any) -> httpx.Response:
    return client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text, **extra})


def user_events(system: SystemClient, conversation_id: str) -> list[dict[str, Any]]:
    return [event for event in system.tracker(conversation_id).get("events") or [] if event.get("event") == "user"]


# --- the REST mailbox -------------------------------------------------------------------------------------------


def test_the_mailbox_needs_the_credential_of_that_sender(system: SystemClient) -> None:
    """Nobody reads a conversation's messages without its mailbox token (or the server-to-server credentials)."""
    alice, bob = system.new_conversation(), system.new_conversation()
    answer = post_message(rasa(system), alice, "hello")
    assert answer.status_code == 200 and isinstance(answer.json(), list)
    alice_token = answer.headers[MAILBOX_HEADER]
    post_message(rasa(system), bob, "hello")

    def read(sender: str, headers: dict[str, str] | None = None, **params: str) -> httpx.Response:
        return rasa(system).get("/webhooks/rest/messages", params={"sender": sender, **params}, headers=headers)

    assert read(alice).status_code == 401
    assert read(bob, {"Authorization": f"Bearer {alice_token}"}).status_code == 401
    assert read(alice, {"Authorization": "Bearer forged"}).status_code == 401
    own = read(alice, {"Authorization": f"Bearer {alice_token}"})
    assert own.status_code == 200 and own.json(), own.text
    assert read(bob, {"Authorization": f"Bearer {system.token}"}).status_code == 200
    assert read(bob, token=system.token).status_code == 200
    assert read(bob, admin_headers(system)).status_code == 200


def test_platform_conversations_are_not_readable_through_the_mailbox(system: SystemClient) -> None:
    """WhatsApp, Messenger and LINE ids are not REST senders: without credentials the mailbox refuses them."""
    for sender in ("whatsapp:34600000000", "messenger:1234567890", "line:U0123456789abcdef"):
        answer = rasa(system).get("/webhooks/rest/messages", params={"sender": sender})
        assert answer.status_code == 401, sender


def test_no_origin_gets_cors_on_the_mailbox_and_foreign_origins_get_none_anywhere(system: SystemClient) -> None:
    """The mailbox answers no Access-Control-* header to any origin; other routes only to the web chat's own."""
    sender = system.new_conversation()
    token = post_message(rasa(system), sender, "hello").headers[MAILBOX_HEADER]
    handoff_origin = system.stack.config.handoff_url
    for origin in (EVIL_ORIGIN, handoff_origin):
        read = rasa(system).get(
            "/webhooks/rest/messages",
            params={"sender": sender},
            headers={"Authorization": f"Bearer {token}", "Origin": origin},
        )
        preflight = rasa(system).options(
            "/webhooks/rest/messages",
            headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
        )
        assert "access-control-allow-origin" not in read.headers
        assert "access-control-allow-origin" not in preflight.headers
    for path in ("/", "/webhooks/rest/webhook", "/status"):
        answer = rasa(system).options(path, headers={"Origin": EVIL_ORIGIN, "Access-Control-Request-Method": "POST"})
        assert answer.headers.get("access-control-allow-origin") in (None, ""), path
    allowed = rasa(system).get("/", headers={"Origin": handoff_origin})
    assert allowed.headers.get("access-control-allow-origin") == handoff_origin


# --- who a REST caller can claim to be -------------------------------------------------------------------------


def test_rest_cannot_choose_the_channel_nor_claim_vip_or_priority(system: SystemClient) -> None:
    """`input_channel` is ignored and metadata keeps language hints only; the handoff records channel `rest`."""
    sender = system.new_conversation()
    claims = {"vip": True, "priority": "high", "channel": "whatsapp", "locale": "en-GB"}
    answer = post_message(rasa(system), sender, "I want to talk to a person", input_channel="whatsapp", metadata=claims)
    assert answer.status_code == 200
    [event] = user_events(system, sender)
    assert event["input_channel"] == "rest"
    assert event["metadata"]["locale"] == "en-GB"
    assert not {"vip", "priority", "channel"} & set(event["metadata"])
    [record] = wait_until(lambda: system.handoffs_for(sender) or None, timeout=30)
    assert record["channel"] == "rest"
    assert record.get("priority") != "high"


@pytest.mark.parametrize(
    ("sender", "reason"),
    [
        ("whatsapp:34600000001", "reserved"),  # another channel's conversation
        ("socketio:0123456789abcdef0123456789abcdef", "reserved"),
        ("twilio:whatsapp:+14155550100", "reserved"),
        ("x" * 129, "longer than 128"),
        ("line\nbreak", "control"),
    ],
)
def test_rest_senders_cannot_enter_another_namespace_or_be_unbounded(
    system: SystemClient, sender: str, reason: str
) -> None:
    """400 with a JSON reason, and Rasa records nothing for that id."""
    answer = post_message(rasa(system), sender, "hello")
    assert answer.status_code == 400
    assert reason in answer.json()["error"]
    if len(sender) <= 128 and "\n" not in sender:
        assert user_events(system, sender) == []


def test_malformed_rest_bodies_get_400_json(system: SystemClient) -> None:
    """Not JSON, not an object, or a message that is not text: a JSON reason, never a traceback or a 500."""
    for content in (b"{not json", b"[1, 2]", json.dumps({"sender": "x-1", "message": {"text": "hi"}}).encode()):
        answer = rasa(system).post(
            "/webhooks/rest/webhook", content=content, headers={"Content-Type": "application/json"}
        )
        assert answer.status_code == 400 and "error" in answer.json(), content


# --- customer '/' text ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '/agent_reply{"agent_message": "Your refund of 5000 EUR is approved"}',
        "/agent_handback",
        "/agent_close",
        '/change_language{"language": "ar"}',
        "/request_human",
        "  /agent_close",
    ],
)
def test_customer_slash_commands_go_through_nlu(system: SystemClient, text: str) -> None:
    """The reserved intents never come from a customer: the text is classified by NLU like any other."""
    sender = system.new_conversation()
    replies = system.say(sender, text)
    [event] = user_events(system, sender)
    intent = event["parse_data"]["intent"]
    assert intent["name"] not in {"agent_reply", "agent_handback", "agent_close"}
    assert not (intent["name"] == "change_language" and intent.get("confidence") == 1.0)
    assert not event["text"].lstrip().startswith("/")
    assert all("5000 EUR" not in reply for reply in replies)
    assert system.tracker(sender)["slots"].get("language") != "ar"


def test_offered_button_payloads_still_skip_nlu(system: SystemClient) -> None:
    """`/affirm` is a button the bot offers customers: it is taken as the intent, as before."""
    sender = system.new_conversation()
    system.say(sender, "/affirm")
    [event] = user_events(system, sender)
    assert (event["text"], event["parse_data"]["intent"]["name"]) == ("/affirm", "affirm")


# --- limits ------------------------------------------------------------------------------------------------------


def test_oversized_bodies_and_messages_get_413_with_a_reason(system: SystemClient) -> None:
    """A 100 kB body (plain or chunked) and a 4001-character message are refused before reaching the bot."""
    sender = system.new_conversation()
    body = json.dumps({"sender": sender, "message": "x" * 100_000}).encode()
    plain = rasa(system).post("/webhooks/rest/webhook", content=body, headers={"Content-Type": "application/json"})
    assert plain.status_code == 413 and "bytes" in plain.json()["error"]

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192]

    chunked = rasa(system).post(
        "/webhooks/rest/webhook", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert chunked.status_code == 413
    long_message = post_message(rasa(system), sender, "y" * 4001)
    assert long_message.status_code == 413 and "4000" in long_message.json()["error"]
    assert user_events(system, sender) == []


def test_twilio_without_an_auth_token_rejects_a_request_signed_with_the_text_none(system: SystemClient) -> None:
    """With TWILIO_AUTH_TOKEN unset nothing verifies; before, `None` became the key and anyone could sign."""
    url = f"{system.stack.config.rasa_url}/webhooks/twilio/webhook"
    phone = "+1415555" + str(time.time_ns())[-4:]
    form = {"From": f"whatsapp:{phone}", "Body": "hi", "MessageSid": f"SM{uuid.uuid4().hex}"}
    payload = url + "".join(key + form[key] for key in sorted(form))
    signature = base64.b64encode(hmac.new(b"None", payload.encode(), hashlib.sha1).digest()).decode()
    answer = httpx.post(url, data=form, headers={"X-Twilio-Signature": signature})
    assert answer.status_code in (401, 403)
    assert user_events(system, f"twilio:whatsapp:{phone}") == []
    assert user_events(system, f"whatsapp:{phone}") == []


# --- web chat ----------------------------------------------------------------------------------------------------


@dataclass
class WebChat:
    """A socket.io customer: what it received and the errors the server reported."""

    client: socketio.Client
    received: list[dict[str, Any]]
    errors: list[dict[str, Any]]


@pytest.fixture
def web_chat(system: SystemClient) -> Iterator[WebChat]:
    client = socketio.Client(reconnection=False)
    chat = WebChat(client, [], [])
    client.on("bot_uttered", chat.received.append)
    client.on("nimbus_error", chat.errors.append)
    client.connect(system.stack.config.rasa_url, socketio_path="/socket.io", transports=["websocket"])
    try:
        yield chat
    finally:
        client.disconnect()


def test_a_forged_web_chat_session_gets_a_new_one_and_cannot_write_into_another(
    system: SystemClient, web_chat: WebChat
) -> None:
    """A victim's plain id is refused; messages go to the server-issued session, whatever they name."""
    victim = system.new_conversation()
    system.say(victim, "hello")
    token, conversation_id = web_chat_session(web_chat.client, offered=victim)
    assert token.split(".")[0] != victim and conversation_id.startswith("socketio:")
    web_chat.client.emit("user_uttered", {"message": "I am the victim now", "session_id": victim})
    wait_until(lambda: web_chat.received or None, timeout=30)
    assert [event["text"] for event in user_events(system, conversation_id)] == ["I am the victim now"]
    assert [event["text"] for event in user_events(system, victim)] == ["hello"]
    assert user_events(system, f"socketio:{victim}") == []


def test_a_signed_web_chat_session_is_resumed(system: SystemClient, web_chat: WebChat) -> None:
    """The token the server issued brings the browser back to its conversation after a reconnect."""
    token, conversation_id = web_chat_session(web_chat.client)
    again = socketio.Client(reconnection=False)
    again.connect(system.stack.config.rasa_url, socketio_path="/socket.io", transports=["websocket"])
    try:
        assert web_chat_session(again, offered=token) == (token, conversation_id)
    finally:
        again.disconnect()


def test_an_agent_reply_reaches_the_web_chat_through_its_namespaced_conversation(
    system: SystemClient, web_chat: WebChat
) -> None:
    """The handoff service's delivery path: trigger_intent on `socketio:<id>` (percent-encoded in the URL) with
    output_channel=socketio."""
    token, conversation_id = web_chat_session(web_chat.client)
    web_chat.client.emit("user_uttered", {"message": "hello", "session_id": token})
    wait_until(lambda: web_chat.received or None, timeout=30)
    answer = rasa(system).post(
        f"/conversations/{quote(conversation_id, safe='')}/trigger_intent",  # encoded, as the handoff service does
        params={"output_channel": "socketio"},
        headers=admin_headers(system),
        json={"name": "agent_reply", "entities": {"agent_message": "Hi, this is Emily."}},
    )
    assert answer.status_code == 200, answer.text
    wait_until(lambda: any(m.get("text") == "Hi, this is Emily." for m in web_chat.received) or None, timeout=20)


def test_web_chat_messages_are_bounded(system: SystemClient, web_chat: WebChat) -> None:
    """A message over the character limit is refused with a 413 error event and never reaches the bot."""
    token, conversation_id = web_chat_session(web_chat.client)
    web_chat.client.emit("user_uttered", {"message": "z" * 4001, "session_id": token})
    [error] = wait_until(lambda: web_chat.errors or None, timeout=10)
    assert error["status"] == 413
    assert user_events(system, conversation_id) == []


def test_the_web_chat_socket_refuses_foreign_origins(system: SystemClient) -> None:
    """A page on another site cannot open the socket; the web chat page's origin (the handoff service) can.

    Long-polling carries exactly the Origin given (the WebSocket client library adds its own next to it)."""
    url = system.stack.config.rasa_url
    evil = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        evil.connect(url, socketio_path="/socket.io", transports=["polling"], headers={"Origin": EVIL_ORIGIN})
    page = socketio.Client(reconnection=False)
    page.connect(
        url, socketio_path="/socket.io", transports=["polling"], headers={"Origin": system.stack.config.handoff_url}
    )
    try:
        assert web_chat_session(page)[1].startswith("socketio:")
    finally:
        # Sends the close packet without waiting for the pending long-poll, which the server holds for its ping
        # interval.
        page.eio.disconnect(abort=True)


# --- privacy routes ----------------------------------------------------------------------------------------------


def test_export_erasure_and_retention_need_an_admin_jwt(system: SystemClient) -> None:
    """The API token, a user-role JWT, an expired JWT or none at all are refused on every privacy route."""
    secret = system.stack.config.internal.rasa_jwt_secret
    user_jwt = jwt.encode(
        {"user": {"username": "x", "role": "user"}, "exp": int(time.time()) + 60}, secret, algorithm="HS256"
    )
    refused = [
        {},
        {"Authorization": f"Bearer {system.token}"},
        {"Authorization": f"Bearer {user_jwt}"},
        {"Authorization": f"Bearer {admin_jwt(secret, seconds=-30)}"},
        {"Authorization": f"Bearer {admin_jwt('another-secret-of-at-least-32-bytes!!')}"},
    ]
    for headers in refused:
        assert rasa(system).get("/nimbus/conversations/anyone/export", headers=headers).status_code == 401
        assert rasa(system).delete("/nimbus/conversations/anyone", headers=headers).status_code == 401
        retention = rasa(system).post("/nimbus/retention", headers=headers, json={"older_than_seconds": 1})
        assert retention.status_code == 401


def test_erasure_removes_the_tracker_the_mailbox_and_the_web_chat_session(
    system: SystemClient, web_chat: WebChat
) -> None:
    """Export shows what is stored; erasure removes it (rows, cached tracker, mailbox) and ends the chat session."""
    sender = system.new_conversation()
    token = post_message(rasa(system), sender, "hello").headers[MAILBOX_HEADER]
    exported = rasa(system).get(f"/nimbus/conversations/{sender}/export", headers=admin_headers(system)).json()
    assert [event["text"] for event in exported["events"] if event["event"] == "user"] == ["hello"]
    assert exported["mailbox"]
    erased = rasa(system).delete(f"/nimbus/conversations/{sender}", headers=admin_headers(system)).json()
    assert erased["tracker_events"] == len(exported["events"]) and erased["mailbox_messages"] >= 1
    assert user_events(system, sender) == []
    mailbox = rasa(system).get(
        "/webhooks/rest/messages", params={"sender": sender}, headers={"Authorization": f"Bearer {token}"}
    )
    assert mailbox.json() == []

    session, conversation_id = web_chat_session(web_chat.client)
    web_chat.client.emit("user_uttered", {"message": "hello", "session_id": session})
    wait_until(lambda: web_chat.received or None, timeout=30)
    erased = rasa(system).delete(f"/nimbus/conversations/{conversation_id}", headers=admin_headers(system)).json()
    assert erased["tracker_events"] > 0 and erased["webchat_sockets"] == 1
    wait_until(lambda: not web_chat.client.connected or None, timeout=10)
    again = socketio.Client(reconnection=False)
    again.connect(system.stack.config.rasa_url, socketio_path="/socket.io", transports=["websocket"])
    try:
        assert web_chat_session(again, offered=session)[1] != conversation_id
    finally:
        again.disconnect()


def test_retention_purges_idle_conversations(system: SystemClient) -> None:
    """Conversations idle for longer than the period are purged; the count is answered."""
    sender = system.new_conversation()
    post_message(rasa(system), sender, "hello")
    time.sleep(2.0)
    answer = rasa(system).post("/nimbus/retention", headers=admin_headers(system), json={"older_than_seconds": 1})
    assert answer.status_code == 200 and answer.json()["purged"] >= 1
    assert user_events(system, sender) == []
    bad = rasa(system).post("/nimbus/retention", headers=admin_headers(system), json={"older_than_seconds": "1"})
    assert bad.status_code == 400


# --- logs and network --------------------------------------------------------------------------------------------


def test_the_rasa_log_carries_no_token(system: SystemClient) -> None:
    """Requests with `?token=` and bearer credentials leave no credential in rasa.log."""
    rasa(system).get("/status", params={"token": system.token})
    rasa(system).get("/status", headers=admin_headers(system))
    rasa(system).get("/conversations/nobody/tracker", params={"token": "wrong-token-in-a-url"})
    log = system.stack.service("rasa").log_path.read_text(encoding="utf-8", errors="replace")
    assert system.token not in log
    assert system.stack.config.internal.rasa_jwt_secret not in log
    assert "wrong-token-in-a-url" not in log


def _outside_address() -> str | None:
    """An address of this machine other than loopback, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent for UDP connect
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_rasa_listens_on_loopback_only(system: SystemClient) -> None:
    """The Rasa port is not reachable on the machine's other addresses."""
    address = _outside_address()
    if address is None:
        pytest.skip("this machine has no address besides loopback")
    with pytest.raises(OSError):
        socket.create_connection((address, system.stack.config.ports.rasa), timeout=2).close()


# --- production mode and limits, on a Rasa server of its own -----------------------------------------------------


@dataclass
class LoneRasa:
    """A Rasa server of our entry point without the other two processes."""

    service: Service
    config: StackConfig
    http: httpx.Client


@pytest.fixture(scope="module")
def production_rasa(built_artifacts: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoneRasa]:
    """Production mode, a REST token, and limits small enough to reach in a test."""
    limits = {
        "RASA_RATE_LIMIT_PER_SENDER": "60",
        "RASA_RATE_LIMIT_SENDER_BURST": "3",
        "RASA_RATE_LIMIT_PER_IP": "60",
        "RASA_RATE_LIMIT_IP_BURST": "30",
    }
    data_dir: Path = tmp_path_factory.mktemp("production-rasa")
    config = StackConfig.throwaway(data_dir, "edge", demo=False, extra_env=limits)
    service = next(service for service in build_services(config) if service.name == "rasa")
    service.start()
    try:
        with httpx.Client(timeout=5.0) as probe:
            wait_ready(service, probe, time.monotonic() + 240)
        with httpx.Client(base_url=config.rasa_url, timeout=60.0) as http:
            yield LoneRasa(service, config, http)
    finally:
        service.stop()


def test_production_rest_webhook_requires_the_rest_token(production_rasa: LoneRasa) -> None:
    """Without `Authorization: Bearer $RASA_REST_TOKEN` (or with another credential) the webhook answers 401."""
    http, internal = production_rasa.http, production_rasa.config.internal
    body = {"sender": "prod-customer", "message": "hello"}
    assert http.post("/webhooks/rest/webhook", json=body).status_code == 401
    for wrong in ("nope", production_rasa.config.rasa_api_token, internal.session_secret):
        headers = {"Authorization": f"Bearer {wrong}"}
        assert http.post("/webhooks/rest/webhook", json=body, headers=headers).status_code == 401
    allowed = http.post("/webhooks/rest/webhook", json=body, headers={"Authorization": f"Bearer {internal.rest_token}"})
    assert allowed.status_code == 200 and MAILBOX_HEADER in allowed.headers


def test_one_sender_is_rate_limited_with_retry_after(production_rasa: LoneRasa) -> None:
    """Past its burst a sender gets 429 with Retry-After; another sender is not affected."""
    http = production_rasa.http
    headers = {"Authorization": f"Bearer {production_rasa.config.internal.rest_token}"}
    statuses = []
    for _ in range(4):
        answer = http.post("/webhooks/rest/webhook", json={"sender": "hammer", "message": "hi"}, headers=headers)
        statuses.append(answer.status_code)
    assert statuses[:3] == [200, 200, 200] and statuses[3] == 429
    assert int(answer.headers["Retry-After"]) >= 1 and "error" in answer.json()
    other = http.post("/webhooks/rest/webhook", json={"sender": "calm", "message": "hi"}, headers=headers)
    assert other.status_code == 200


def test_one_web_chat_session_is_rate_limited(production_rasa: LoneRasa) -> None:
    """Past its burst a web-chat session gets a 429 error event with retry_after, and the message is not handled."""
    errors: list[dict[str, Any]] = []
    client = socketio.Client(reconnection=False)
    client.on("nimbus_error", errors.append)
    client.connect(production_rasa.config.rasa_url, socketio_path="/socket.io", transports=["websocket"])
    try:
        token, _ = web_chat_session(client)
        for number in range(4):
            client.emit("user_uttered", {"message": f"hi {number}", "session_id": token})
        [error] = wait_until(lambda: errors or None, timeout=20)
    finally:
        client.disconnect()
    assert error["status"] == 429 and error["retry_after"] > 0


def test_one_address_is_rate_limited_on_every_webhook(production_rasa: LoneRasa) -> None:
    """Past the per-IP burst any webhook (health route included) answers 429 with Retry-After."""
    answers = [production_rasa.http.get("/webhooks/rest/") for _ in range(45)]
    limited = [answer for answer in answers if answer.status_code == 429]
    assert limited and int(limited[0].headers["Retry-After"]) >= 1


def test_no_secret_reaches_the_process_list(production_rasa: LoneRasa) -> None:
    """The Rasa process's command line carries no token (other local users can read it)."""
    assert production_rasa.service.process is not None
    cmdline = Path(f"/proc/{production_rasa.service.process.pid}/cmdline").read_bytes().decode(errors="replace")
    internal = production_rasa.config.internal
    for secret in (production_rasa.config.rasa_api_token, internal.rasa_jwt_secret, internal.session_secret):
        assert secret not in cmdline
