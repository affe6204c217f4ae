"""bot/channels/webhook.py dispatch: platform messages reach Rasa as `<platform>:<id>` conversations, within the
edge's length and per-sender rate limits, each once, and none lost when the worker that took it dies."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, cast

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from sanic.response import HTTPResponse

from bot.channels.dedup import InMemoryDedupStore, build_store
from bot.channels.inbound import InboundMessage
from bot.channels.meta_webhook import SIGNATURE_HEADER, meta_webhook
from bot.channels.webhook import Dispatched, dispatch
from bot.security.edge import Edge
from bot.security.settings import EdgeSettings, RateLimit


def deliver(messages: list[InboundMessage], edge: Edge | None) -> list[UserMessage]:
    handed: list[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        handed.append(message)

    asyncio.run(
        dispatch("whatsapp", messages, build_store(None), lambda _: CollectingOutputChannel(), on_new_message, edge)
    )
    return handed


def test_conversations_are_namespaced_by_platform() -> None:
    """A WhatsApp id becomes `whatsapp:<id>`, so no REST sender can name it."""
    [handed] = deliver([InboundMessage("34600000000", "hola", "wamid.1")], None)
    assert (handed.sender_id, handed.input_channel) == ("whatsapp:34600000000", "whatsapp")


def test_over_long_messages_and_senders_over_their_rate_are_dropped() -> None:
    """Burst of 2 per sender: the third message of one sender is dropped, another sender's passes; so does any
    message over the character limit."""
    edge = Edge(EdgeSettings(max_message_chars=10, sender_limit=RateLimit(1, 2)))
    messages = [
        InboundMessage("a", "one", "m1"),
        InboundMessage("a", "two", "m2"),
        InboundMessage("a", "three", "m3"),
        InboundMessage("b", "x" * 11, "m4"),
        InboundMessage("b", "short", "m5"),
    ]
    assert [(m.sender_id, m.text) for m in deliver(messages, edge)] == [
        ("whatsapp:a", "one"),
        ("whatsapp:a", "two"),
        ("whatsapp:b", "short"),
    ]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Rasa:
    """`on_new_message` of one worker: records what it got; `hang` makes it never finish, as a worker that was
    killed while Rasa handled the turn."""

    def __init__(self, hang: bool = False, fail: bool = False) -> None:
        self.handed: list[UserMessage] = []
        self.hang = hang
        self.fail = fail

    async def __call__(self, message: UserMessage) -> None:
        self.handed.append(message)
        if self.fail:
            raise RuntimeError("the turn failed inside Rasa")
        if self.hang:
            await asyncio.Event().wait()


def test_retry_meeting_a_dead_workers_claim_is_not_answered_as_success_and_is_handled_after_its_lease() -> None:
    """Host A takes a message and dies before Rasa finished; the platform's retry reaches host B on the same
    store. While A's lease is live B hands nothing on and reports the id in progress (the channel answers 503);
    after the lease B hands the message to Rasa: it is not lost."""
    clock = FakeClock()
    store = InMemoryDedupStore(clock=clock, lease_seconds=120)
    message = InboundMessage("34600000000", "hola", "wamid.1")
    host_a, host_b = Rasa(hang=True), Rasa()

    async def scenario() -> tuple[Dispatched, Dispatched]:
        dying = asyncio.create_task(dispatch("whatsapp", [message], store, lambda _: CollectingOutputChannel(), host_a))
        await asyncio.sleep(0)  # host A has claimed the message and is inside Rasa
        assert [m.message_id for m in host_a.handed] == ["wamid.1"]
        during = await dispatch("whatsapp", [message], store, lambda _: CollectingOutputChannel(), host_b)
        dying.cancel()  # SIGKILL: nothing after this point runs on host A
        with contextlib.suppress(asyncio.CancelledError):
            await dying
        clock.now += 121
        after = await dispatch("whatsapp", [message], store, lambda _: CollectingOutputChannel(), host_b)
        return during, after

    during, after = asyncio.run(scenario())

    assert Dispatched(handed=0, in_progress=("wamid.1",)) == during
    assert Dispatched(handed=1, in_progress=()) == after
    assert [m.message_id for m in host_b.handed] == ["wamid.1"]


def test_handled_and_failed_messages_are_done_and_only_the_unfinished_one_is_reported() -> None:
    """A delivery of three: one handled before (a duplicate), one that fails inside Rasa (logged, marked done, as
    before), one still in progress on another worker (reported). The resent delivery hands nothing twice."""
    store = InMemoryDedupStore(clock=FakeClock())
    store.claim("whatsapp:wamid.done")
    store.finish("whatsapp:wamid.done")
    store.claim("whatsapp:wamid.busy")  # another worker holds it
    messages = [
        InboundMessage("a", "one", "wamid.done"),
        InboundMessage("b", "two", "wamid.fails"),
        InboundMessage("c", "three", "wamid.busy"),
    ]
    failing = Rasa(fail=True)

    first = asyncio.run(dispatch("whatsapp", messages, store, lambda _: CollectingOutputChannel(), failing))
    store.finish("whatsapp:wamid.busy")  # the other worker finished
    resent = asyncio.run(dispatch("whatsapp", messages, store, lambda _: CollectingOutputChannel(), failing))

    assert Dispatched(handed=1, in_progress=("wamid.busy",)) == first
    assert Dispatched(handed=0, in_progress=()) == resent
    assert [m.message_id for m in failing.handed] == ["wamid.fails"]


@dataclass
class SignedRequest:
    """What the webhook handler reads of a Sanic request."""

    body: bytes
    headers: dict[str, str]
    json: Any = None


def meta_receive(store: InMemoryDedupStore, rasa: Rasa) -> Callable[[SignedRequest], Coroutine[Any, Any, HTTPResponse]]:
    """The POST /webhook handler of a WhatsApp webhook on `store`, called without a server."""
    blueprint = meta_webhook(
        channel="whatsapp",
        label="WhatsApp",
        verify_token="verify",
        app_secret="secret",
        parse=lambda _: [InboundMessage("34600000000", "hola", "wamid.1")],
        dedup=store,
        output_for=lambda _: CollectingOutputChannel(),
        on_new_message=rasa,
    )
    [route] = [r for r in blueprint._future_routes if r.uri == "/webhook" and "POST" in (r.methods or ())]
    return cast(Callable[[SignedRequest], Coroutine[Any, Any, HTTPResponse]], route.handler)


def test_webhook_answers_503_with_retry_after_while_another_worker_handles_the_message() -> None:
    """The platform is not told "ok" for a message another worker holds: 503 with Retry-After, nothing handed on;
    its redelivery after the lease is answered 200 and handed to Rasa."""
    clock = FakeClock()
    store = InMemoryDedupStore(clock=clock, lease_seconds=120)
    rasa = Rasa()
    receive = meta_receive(store, rasa)
    body = json.dumps({"entry": []}).encode()
    request = SignedRequest(body, {SIGNATURE_HEADER: "sha256=" + hmac.new(b"secret", body, "sha256").hexdigest()})
    store.claim("whatsapp:wamid.1")  # the worker that was killed

    busy = asyncio.run(receive(request))
    clock.now += 121
    retried = asyncio.run(receive(request))

    assert (busy.status, busy.headers.get("Retry-After")) == (503, "30")
    assert retried.status == 200
    assert [m.message_id for m in rasa.handed] == ["wamid.1"]
