"""Found by the soak: Rasa answers 200 to an agent's reply even when the action that sends it failed (action server
killed), so the handoff service must read Rasa's tracker in the answer before counting the reply delivered."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from handoff.adapters.delivery import Delivery, DeliveryError, RasaDelivery

REPLY = Delivery("c1", "rest", "agent_reply", {"agent_message": "hi"})
EXTERNAL = {"event": "user", "text": "EXTERNAL: agent_reply"}


def rasa_answering(events: list[dict[str, Any]]) -> RasaDelivery:
    body = {"tracker": {"sender_id": "c1", "events": events}}
    client = httpx.Client(transport=httpx.MockTransport(lambda _: httpx.Response(200, json=body)))
    return RasaDelivery(client, "http://rasa.test", None)


def test_a_reply_whose_action_sent_nothing_is_retried() -> None:
    failed = [{"event": "bot", "text": "earlier"}, EXTERNAL, {"event": "action", "name": "action_deliver_agent_reply"}]
    with pytest.raises(DeliveryError) as raised:
        rasa_answering(failed).send(REPLY)
    assert raised.value.retryable is True


def test_a_reply_rasa_sent_counts_as_delivered() -> None:
    sent = [EXTERNAL, {"event": "action", "name": "action_deliver_agent_reply"}, {"event": "bot", "text": "hi"}]
    rasa_answering(sent).send(REPLY)


def test_other_events_are_not_checked() -> None:
    rasa_answering([EXTERNAL]).send(Delivery("c1", "rest", "agent_handback", {}))


def test_a_reply_delivered_again_counts_as_delivered_by_its_id() -> None:
    """The second delivery of a reply (the service died before recording the first) sends nothing: the bot message of
    the first, carrying the reply's id, is what makes it delivered, not a bot message after the new event."""
    first = {"event": "bot", "text": "hi", "metadata": {"metadata": {"from_agent": True, "reply_id": "h1:7"}}}
    again = [EXTERNAL, {"event": "action", "name": "action_deliver_agent_reply"}, first, EXTERNAL]
    again.append({"event": "action", "name": "action_deliver_agent_reply"})
    rasa_answering(again).send(Delivery("c1", "rest", "agent_reply", {"agent_message": "hi", "reply_id": "h1:7"}))
    with pytest.raises(DeliveryError):  # another reply's message does not count for this one
        rasa_answering(again).send(Delivery("c1", "rest", "agent_reply", {"agent_message": "hi", "reply_id": "h1:8"}))
