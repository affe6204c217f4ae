"""Template messages chosen by the handoff service: the agent-reply action sends the template as the channel's
`custom` body, and a close outside the window sends only the re-engagement template (or nothing), never a rating."""

from __future__ import annotations

import json
from pathlib import Path

from rasa_sdk.executor import CollectingDispatcher

from actions.human_mode import ActionDeliverAgentReply, ActionHandback
from tests.actions.test_csat import StandInService, runtime_over, slots, tracker

TEMPLATE = {"name": "conversation_closed", "language": {"policy": "deterministic", "code": "es"}}


async def test_agent_reply_with_a_template_is_sent_as_a_template() -> None:
    """The JSON entity becomes `{"type": "template", "template": ...}`, marked as the agent's."""
    entities = [
        {"entity": "agent_message", "value": "Hola"},
        {"entity": "agent_name", "value": "Lucía"},
        {"entity": "whatsapp_template", "value": json.dumps(TEMPLATE)},
    ]
    dispatcher = CollectingDispatcher()
    await ActionDeliverAgentReply().run(dispatcher, tracker("EXTERNAL: agent_reply", "agent_reply", entities), {})
    [message] = dispatcher.messages
    assert message["custom"] == {"type": "template", "template": TEMPLATE}
    assert message["text"] is None
    assert message["metadata"] == {"from_agent": True, "agent_name": "Lucía"}


async def test_handback_outside_the_window_sends_the_template_or_nothing(tmp_path: Path) -> None:
    """With a template: only the template; without: no message at all; never a rating prompt."""
    runtime = runtime_over(tmp_path, StandInService())
    closed = {"entity": "window_closed", "value": "true"}
    with_template = [closed, {"entity": "whatsapp_template", "value": json.dumps(TEMPLATE)}]
    dispatcher = CollectingDispatcher()
    events = await ActionHandback(runtime=runtime).run(
        dispatcher, tracker("EXTERNAL: agent_handback", "agent_handback", with_template), {}
    )
    assert [m["custom"] for m in dispatcher.messages] == [{"type": "template", "template": TEMPLATE}]
    assert slots(events)["csat_stage"] is None
    dispatcher = CollectingDispatcher()
    await ActionHandback(runtime=runtime).run(dispatcher, tracker("EXTERNAL: agent_close", "agent_close", [closed]), {})
    assert dispatcher.messages == []
