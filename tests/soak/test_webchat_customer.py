"""Found by the scaled soak: around a host kill, a web-chat message swallowed by the dying socket was sent again only
after the customer's next one, so the agent read them out of order; and a reply read back after a reconnect could
arrive after a newer one. The soak's web-chat customer now sends what may be lost again before anything new, and
shows bot messages by timestamp, as the page does (handoff/web/chat/chat.js)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from bench.soak import script
from bench.soak.customers import Target, WebChatCustomer, shown_position
from bench.soak.timeline import Timeline

TAG = "c1"
RASA = "http://rasa.test"


@pytest.mark.parametrize(
    ("screen", "stamp", "expected"),
    [
        ([], 5.0, 0),  # nothing shown yet
        ([(1.0, "a"), (2.0, "b")], 3.0, 2),  # the newest goes last
        ([(1.0, "a"), (3.0, "c")], 2.0, 1),  # read back late: before the newer one already shown
        ([(1.0, "a"), (2.0, "b")], 2.0, 2),  # the same timestamp (parts of one message) keeps arrival order
        ([(None, "welcome"), (3.0, "c")], 2.0, 1),  # a message without a timestamp never moves
    ],
)
def test_a_bot_message_is_shown_before_the_first_later_one(
    screen: list[tuple[float | None, str]], stamp: float, expected: int
) -> None:
    """The page's rule: a bot message goes before the first shown message with a later timestamp."""
    assert expected == shown_position(screen, stamp)


class StandInSocket:
    """Records what the customer emits; `reconnect` plays a dropped socket coming back with the same session."""

    def __init__(self) -> None:
        self.handlers: dict[str, Callable[..., None]] = {}
        self.emitted: list[tuple[str, dict[str, Any]]] = []

    def on(self, name: str, handler: Callable[..., None]) -> None:
        self.handlers[name] = handler

    def emit(self, name: str, data: dict[str, Any]) -> None:
        self.emitted.append((name, data))
        if name == "session_request":
            self.handlers["session_confirm"]("session.signature")

    def reconnect(self) -> None:
        self.handlers["connect"]()

    def disconnect(self) -> None:
        pass

    def sent_texts(self) -> list[str]:
        return [data["message"] for name, data in self.emitted if name == "user_uttered"]


def web_chat_customer(tracker_texts: list[str]) -> tuple[WebChatCustomer, StandInSocket, Timeline]:
    """A web-chat customer on a stand-in socket whose conversation (read from a stand-in Rasa) holds `tracker_texts`."""

    def rasa(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"events": [{"event": "user", "text": text} for text in tracker_texts]})

    timeline = Timeline()
    customer = WebChatCustomer(Target(RASA, "token", "secret", "phone"), timeline, TAG, threading.Event())
    customer.http.close()
    customer.http = httpx.Client(base_url=RASA, transport=httpx.MockTransport(rasa))
    socket = StandInSocket()
    customer.attach(socket)
    socket.reconnect()
    customer.conversation_id = "socketio:session"
    timeline.conversation(TAG, customer.channel)
    return customer, socket, timeline


def test_a_message_lost_with_the_socket_goes_again_before_the_next_one() -> None:
    """Message 1 went into a socket that died; after the reconnect, message 2 waits until 1 was sent again."""
    first, second = script.customer_text(TAG, 1), script.customer_text(TAG, 2)
    customer, socket, timeline = web_chat_customer(tracker_texts=[])
    customer.deliver(first)
    socket.reconnect()
    customer.deliver(second)
    assert [first, first, second] == socket.sent_texts()
    assert timeline.conversations[TAG].resent == 1


def test_a_message_the_conversation_holds_is_not_sent_again() -> None:
    """Message 1 reached Rasa before the socket dropped: only message 2 goes after the reconnect."""
    first, second = script.customer_text(TAG, 1), script.customer_text(TAG, 2)
    customer, socket, timeline = web_chat_customer(tracker_texts=[first])
    customer.deliver(first)
    socket.reconnect()
    customer.deliver(second)
    assert [first, second] == socket.sent_texts()
    assert timeline.conversations[TAG].resent == 0


def test_replies_are_shown_and_counted_by_timestamp_whatever_order_they_arrive_in() -> None:
    """Reply 2 pushed to the rejoined socket before reply 1 was read back: the customer's screen shows 1 then 2, once
    each; the ledger reads that order."""
    customer, socket, timeline = web_chat_customer(tracker_texts=[])
    for number, stamp in ((2, 20.0), (1, 10.0), (2, 20.0)):
        socket.handlers["bot_uttered"]({"text": script.agent_text(TAG, number), "timestamp": stamp})
    customer.close()
    assert timeline.conversations[TAG].shown == [1, 2]
