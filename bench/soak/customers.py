"""Soak customers on three channels: Rasa's REST webhook (with its mailbox), the web chat's socket.io and WhatsApp
through a stand-in Graph API. Each sends reliably: what a failure may have lost is checked and sent again.

A customer cannot always tell whether a message sent just before a process died arrived. REST and web-chat customers
then look in the conversation (Rasa's tracker, server to server) and send again only what is not there, which is what
a web chat that re-reads its history would do; WhatsApp customers are the platform, which delivers a webhook again,
with the same message id, until it is answered 200.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import socketio

from bench.soak import script
from bench.soak.timeline import Timeline
from tests.channels import signing
from tests.channels.standin import StandIn

REST_WEBHOOK = "/webhooks/rest/webhook"
WHATSAPP_WEBHOOK = "/webhooks/whatsapp/webhook"
EXTERNAL_PREFIX = "EXTERNAL: "
BOT_MODE_PAUSE = (4.0, 8.0)  # seconds a bot-mode customer takes to write the next message


@dataclass(frozen=True)
class Target:
    """Where the customers write and the credential the soak uses to read conversations back."""

    rasa_url: str
    rasa_token: str
    whatsapp_app_secret: str
    whatsapp_phone_number_id: str
    tracker_urls: tuple[str, ...] = ()  # Rasa servers to read trackers from (default: `rasa_url`)


class Customer(ABC):
    """One customer: bot mode (greetings until stopped) or human mode (asks for a person, then numbered messages,
    at most `window` of them waiting for the agent's answer)."""

    channel = ""

    def __init__(
        self, target: Target, timeline: Timeline, tag: str, stop: threading.Event, drain: threading.Event | None = None
    ) -> None:
        self.target = target
        self.timeline = timeline
        self.tag = tag
        self.stop = stop
        self.drain = drain or threading.Event()  # set: send no new numbered message, wait for the answers
        self.http = httpx.Client(base_url=target.rasa_url, timeout=60.0)
        self.random = random.Random(tag)
        self.conversation_id = ""

    # Channel-specific parts.
    @abstractmethod
    def open(self) -> None:
        """Starts the customer's conversation on its channel."""

    def close(self) -> None:
        self.http.close()

    @abstractmethod
    def send(self, text: str, message_id: str | None = None) -> bool | None:
        """Sends once: True when it surely arrived, False when it surely did not, None when it cannot tell.
        `message_id`: the client's id of the message, the same on every attempt (REST and web chat)."""

    @abstractmethod
    def replies(self) -> list[str]:
        """Texts the customer received since the last call."""

    # Shared parts.
    def deliver(self, text: str) -> None:
        """Sends `text` until it is known to have arrived (or the soak stops)."""
        counted = False
        message_id = hashlib.sha256(f"{self.tag} {text}".encode()).hexdigest()[:24]
        while not self.stop.is_set():
            outcome = self.send(text, message_id)
            if outcome is True:
                return
            if outcome is None and self._arrived(text):
                return
            # Counted once per message, and only when it may have arrived: a refused connection sent nothing.
            if outcome is None and not counted:
                self.timeline.conversation(self.tag, self.channel).resent += 1
                counted = True
            time.sleep(0.5)

    def _arrived(self, text: str) -> bool:
        """Whether Rasa's tracker holds the message (waits until Rasa answers again)."""
        servers = self.target.tracker_urls or (self.target.rasa_url,)
        attempt = 0
        while not self.stop.is_set():
            url = f"{servers[attempt % len(servers)]}/conversations/{self.conversation_id}/tracker"
            attempt += 1
            try:
                answer = self.http.get(url, params={"token": self.target.rasa_token})
            except httpx.HTTPError:
                time.sleep(0.5)
                continue
            if answer.status_code == 200:
                events = answer.json().get("events") or []
                return any(event.get("event") == "user" and event.get("text") == text for event in events)
            time.sleep(0.5)
        return False

    def reconcile(self, next_number: int) -> None:
        """After a failure the customer could not see at the time, sends again what did not arrive."""
        # REST and WhatsApp learn each send's outcome at once, so only the web chat has anything to reconcile.
        return None

    def collect(self) -> None:
        for text in self.replies():
            parsed = script.parse(text)
            if parsed is not None and parsed[0] == self.tag and parsed[1] == "r":
                self.timeline.received(self.tag, parsed[2])

    def run_human(self, quota: int, window: int) -> None:
        conversation = self.timeline.conversation(self.tag, self.channel)
        self.open()
        conversation.conversation_id = self.conversation_id
        try:
            self.deliver(script.GREETING)
            self.deliver(script.ASK_FOR_A_PERSON)
            number = 1
            while not self.stop.is_set():
                self.reconcile(number)
                self.collect()
                answered = len({n for n, _ in conversation.received})
                if self.drain.is_set() and number <= quota:
                    quota = number - 1
                if number > quota:
                    conversation.finished_sending = True
                if number <= quota and number - 1 - answered < window:
                    self.timeline.sent(self.tag, number)
                    self.deliver(script.customer_text(self.tag, number))
                    number += 1
                    time.sleep(self.random.uniform(0.2, 0.8))
                elif number > quota and answered >= quota:
                    return
                else:
                    time.sleep(0.3)
        finally:
            self.close()

    def run_bot(self) -> None:
        self.open()
        try:
            while not self.stop.is_set():
                text = self.random.choice(script.BOT_MODE_MESSAGES)
                self.timeline.bot_turn("answered" if self.ask_bot(text) else "unanswered")
                self.stop.wait(self.random.uniform(*BOT_MODE_PAUSE))
        finally:
            self.close()

    def ask_bot(self, text: str) -> bool:
        """Sends one bot-mode message; whether an answer came."""
        self.replies()
        if self.send(text) is not True:
            return False
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not self.stop.is_set():
            if self.replies():
                return True
            time.sleep(0.2)
        return False


class RestCustomer(Customer):
    """Rasa's REST webhook; answers in the HTTP response, later messages (agent replies) from the mailbox."""

    channel = "rest"

    def open(self) -> None:
        self.conversation_id = f"soak-{self.tag}"
        self._after = 0.0
        self._answered: list[str] = []

    def send(self, text: str, message_id: str | None = None) -> bool | None:
        body = {"sender": self.conversation_id, "message": text}
        if message_id:
            body["message_id"] = message_id
        try:
            answer = self.http.post(REST_WEBHOOK, json=body)
        except httpx.ConnectError:
            return False
        except httpx.HTTPError:
            return None
        if answer.status_code == 429:
            time.sleep(float(answer.headers.get("Retry-After") or 1))
            return False
        if answer.status_code != 200:
            return None
        self._answered += [m["text"] for m in answer.json() if m.get("text")]
        return True

    def replies(self) -> list[str]:
        got, self._answered = self._answered, []
        try:
            answer = self.http.get(
                "/webhooks/rest/messages",
                params={"sender": self.conversation_id, "after": self._after},
                headers={"Authorization": f"Bearer {self.target.rasa_token}"},
            )
        except httpx.HTTPError:
            return got
        if answer.status_code != 200:
            return got
        for message in answer.json():
            self._after = max(self._after, float(message["timestamp"]))
            if message.get("from_agent") and message.get("text"):
                got.append(str(message["text"]))
        return got


def shown_position(screen: Sequence[tuple[float | None, str]], stamp: float) -> int:
    """Where the web chat page shows a bot message with timestamp `stamp` among the `(timestamp, text)` it shows:
    before the first one with a later timestamp, else last (the rule of `laterThan` in handoff/web/chat/chat.js)."""
    for index, (shown, _) in enumerate(screen):
        if shown is not None and shown > stamp:
            return index
    return len(screen)


class WebChatCustomer(Customer):
    """The web chat's socket.io channel with a signed session that survives reconnection; agent replies are pushed,
    and on resuming it asks for the bot messages after the last one it has and shows each bot message in its place by
    timestamp, as the web chat page does. After a reconnect, what it wrote that may have been lost goes again before
    anything new."""

    channel = "socketio"

    def open(self) -> None:
        self.attach(socketio.Client(reconnection=True, reconnection_delay=0.5, reconnection_delay_max=2))
        self._connect()
        if not self._confirmed.wait(30):
            raise RuntimeError("no web-chat session")
        assert self._token is not None
        self.conversation_id = f"socketio:{self._token.split('.')[0]}"

    def attach(self, client: Any) -> None:
        """Starts afresh on `client` (a `socketio.Client`, or a stand-in in tests), not connected yet."""
        self._lock = threading.Lock()
        self._inbox: list[str] = []
        self._token: str | None = None
        self._after: float | None = None  # the timestamp of the last bot message received
        self._seen: set[tuple[float, str]] = set()
        self._screen: list[tuple[float | None, str]] = []  # bot messages (timestamp, text) as the page shows them
        self._written: list[str] = []  # what the customer delivered, in the order written
        self._confirmed = threading.Event()
        self._generation = 0
        self._checked_generation = 0
        self.client = client
        self.client.on("bot_uttered", self._on_message)
        self.client.on("session_confirm", self._on_session)
        self.client.on("connect", self._on_connect)

    def _connect(self) -> None:
        while not self.stop.is_set():
            try:
                self.client.connect(self.target.rasa_url, socketio_path="/socket.io", transports=["websocket"])
                return
            except socketio.exceptions.ConnectionError:
                time.sleep(1.0)

    def _on_connect(self) -> None:
        self._confirmed.clear()
        with self._lock:
            request: dict[str, Any] = {"session_id": self._token} if self._token else {}
            if self._token and self._after is not None:
                request["after"] = self._after
        self.client.emit("session_request", request)

    def _on_session(self, token: str) -> None:
        with self._lock:
            self._token = token
            self._generation += 1
        self._confirmed.set()

    def _on_message(self, data: dict[str, Any]) -> None:
        with self._lock:
            stamp = data.get("timestamp")
            shown_at: float | None = None
            if isinstance(stamp, (int, float)):
                # Read back after a reconnect and pushed to the rejoined socket too: the customer sees it once.
                key = (float(stamp), str(data.get("text")))
                if key in self._seen:
                    return
                self._seen.add(key)
                self._after = max(self._after or 0.0, float(stamp))
                shown_at = float(stamp)
            if data.get("text"):
                self._inbox.append(str(data["text"]))
                position = len(self._screen) if shown_at is None else shown_position(self._screen, shown_at)
                self._screen.insert(position, (shown_at, str(data["text"])))

    def close(self) -> None:
        self.client.disconnect()
        with self._lock:
            screen = [text for _, text in self._screen]
        self.timeline.shown(
            self.tag, [p[2] for p in map(script.parse, screen) if p and p[0] == self.tag and p[1] == "r"]
        )
        super().close()

    def deliver(self, text: str) -> None:
        if text not in self._written:
            self._written.append(text)
        super().deliver(text)

    def send(self, text: str, message_id: str | None = None) -> bool | None:
        if not self._confirmed.wait(5):
            return False
        if self.reconnected():
            # What a dying socket may have swallowed goes again before this message, so the agent reads the
            # customer's messages in the order they were written.
            self._catch_up(before=text)
        with self._lock:
            generation = self._generation
        data = {"message": text, "session_id": self._token}
        if message_id:
            data["message_id"] = message_id
        try:
            self.client.emit("user_uttered", data)
        except socketio.exceptions.SocketIOError:
            return False
        # Nothing acknowledges a socket.io message; it is only known to be lost when the socket dropped meanwhile.
        return True if generation == self._generation else None

    def replies(self) -> list[str]:
        with self._lock:
            got, self._inbox = self._inbox, []
        return got

    def reconcile(self, next_number: int) -> None:
        if self.reconnected():
            self._catch_up()

    def _catch_up(self, before: str | None = None) -> None:
        """Sends again, oldest first, what the customer wrote (before `before`) that is neither answered nor in
        the conversation."""
        if not self._written:  # a bot-mode customer keeps no numbered conversation
            return
        conversation = self.timeline.conversation(self.tag, self.channel)
        answered = {n for n, _ in conversation.received}
        written = self._written[: self._written.index(before)] if before in self._written else list(self._written)
        for text in written:
            parsed = script.parse(text)
            if parsed is not None and parsed[2] in answered:
                continue
            if not self._arrived(text):
                conversation.resent += 1
                self.deliver(text)

    def reconnected(self) -> bool:
        """Whether the socket was re-established since the last call."""
        with self._lock:
            changed = self._generation != self._checked_generation
            self._checked_generation = self._generation
        return changed


class WhatsAppCustomer(Customer):
    """WhatsApp Cloud API: signed webhooks delivered again until answered 200; replies as the stand-in records them."""

    channel = "whatsapp"

    def __init__(self, *args: Any, inbox: WhatsAppInbox, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inbox = inbox

    def open(self) -> None:
        self.wa_id = "52" + str(uuid.UUID(int=self.random.getrandbits(128)).int)[-11:]
        self.conversation_id = f"whatsapp:{self.wa_id}"

    def send(self, text: str, message_id: str | None = None) -> bool | None:
        body = webhook_body(self.target.whatsapp_phone_number_id, self.wa_id, f"wamid.soak.{uuid.uuid4().hex}", text)
        raw = json.dumps(body).encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": signing.meta(self.target.whatsapp_app_secret, raw),
        }
        while not self.stop.is_set():  # the platform retries the same delivery (same message id) until it gets 200
            try:
                if self.http.post(WHATSAPP_WEBHOOK, content=raw, headers=headers).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        return False

    def replies(self) -> list[str]:
        return self.inbox.take(self.wa_id)


class WhatsAppInbox:
    """Routes the texts our system sent to the stand-in Graph API to the WhatsApp customer they were for."""

    def __init__(self, standin: StandIn, messages_path: str) -> None:
        self.standin = standin
        self.messages_path = messages_path
        self._lock = threading.Lock()
        self._read = 0
        self._boxes: dict[str, list[str]] = {}

    def take(self, wa_id: str) -> list[str]:
        with self._lock:
            with self.standin._lock:
                new = self.standin.calls[self._read :]
                self._read += len(new)
            for call in new:
                if call.method != "POST" or not call.path.startswith(self.messages_path) or call.answered >= 400:
                    continue
                body = call.json()
                if body.get("type") == "text":
                    self._boxes.setdefault(str(body.get("to")), []).append(str(body["text"]["body"]))
            return self._boxes.pop(wa_id, [])


def webhook_body(phone_number_id: str, wa_id: str, message_id: str, text: str) -> dict[str, Any]:
    """A WhatsApp "messages" webhook with one text message, as Meta documents it."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_number_id},
        "contacts": [{"profile": {"name": "Soak Customer"}, "wa_id": wa_id}],
        "messages": [
            {
                "from": wa_id,
                "id": message_id,
                "timestamp": str(int(time.time())),
                "type": "text",
                "text": {"body": text},
            }
        ],
    }
    change = {"value": value, "field": "messages"}
    return {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}


CustomerFactory = Callable[[str], Customer]
