"""The survey actions: the prompt at hand-back, the rating and the comment posted to the handoff service for the
conversation's own handoff (a stand-in service on `httpx.MockTransport` checks exactly what it receives)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.csat import ActionCsatComment, ActionCsatRate, score_of
from actions.human_mode import ActionHandback
from actions.runtime import Runtime
from actions.settings import ActionSettings

SENDER = "line:U4af4980629d1a2b3c4d5e6f7a8b9c0d1"


class StandInService:
    """The handoff service's rating endpoints: records each request, answers `status` (and a detail)."""

    def __init__(self, status: int = 200, detail: str = "") -> None:
        self.status = status
        self.detail = detail
        self.requests: list[tuple[str, str, dict[str, Any]]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.url.path, request.headers["authorization"], json.loads(request.read())))
        if self.status >= 400:
            return httpx.Response(self.status, json={"detail": self.detail})
        return httpx.Response(self.status, json={"handoff_id": "h-1", "score": 4})


def runtime_over(tmp_path: Path, service: StandInService) -> Runtime:
    settings = ActionSettings(
        actions_outbox_path=tmp_path / "outbox.sqlite3", handoff_retry_base_seconds=0.0, handoff_service_key="key-1"
    )
    http = httpx.AsyncClient(transport=httpx.MockTransport(service.handle), base_url="http://handoff.test")
    return Runtime(settings, http=http)


def tracker(text: str, intent: str, entities: list[dict[str, Any]] | None = None, **slots: Any) -> Tracker:
    """A conversation whose latest message is `text` with `intent`, slots as given."""
    parse_data = {"intent": {"name": intent}, "entities": entities or [], "text": text}
    return Tracker(SENDER, {"language": "es", **slots}, parse_data, [], False, None, {}, "action_listen")


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [message["response"] for message in dispatcher.messages]


def slots(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {event["name"]: event["value"] for event in events if event["event"] == "slot"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("4", 4), ("١", 1), ("５", 5), ("0", None), ("6", None), ("45", None), (None, None), ("x", None)],
)
def test_score_of(value: str | None, expected: int | None) -> None:
    """1-5 as a button entity or a typed digit in any script; anything else is no score."""
    assert expected == score_of(value)


async def test_handback_asks_for_a_rating_only_when_the_close_notice_offers_one(tmp_path: Path) -> None:
    """agent_handback naming a handoff: bot-back message then the rating prompt, survey slots set; agent_close or a
    notice without the entity: no prompt, survey slots cleared."""
    runtime = runtime_over(tmp_path, StandInService())
    offered = tracker("EXTERNAL: agent_handback", "agent_handback", [{"entity": "csat_handoff_id", "value": "h-1"}])
    dispatcher = CollectingDispatcher()
    events = await ActionHandback(runtime=runtime).run(dispatcher, offered, {})
    assert responses(dispatcher) == ["utter_bot_back", "utter_csat_ask"]
    assert (slots(events)["csat_handoff_id"], slots(events)["csat_stage"]) == ("h-1", "rating")
    for text, intent, entities in [
        ("EXTERNAL: agent_close", "agent_close", [{"entity": "csat_handoff_id", "value": "h-1"}]),
        ("EXTERNAL: agent_handback", "agent_handback", []),
    ]:
        dispatcher = CollectingDispatcher()
        events = await ActionHandback(runtime=runtime).run(dispatcher, tracker(text, intent, entities), {})
        assert "utter_csat_ask" not in responses(dispatcher)
        assert (slots(events)["csat_handoff_id"], slots(events)["csat_stage"]) == (None, None)


async def test_a_rating_is_posted_for_the_conversations_handoff_then_a_comment_is_asked(tmp_path: Path) -> None:
    """The score from the button's entity goes with the service key, the handoff from the slot and the sender id."""
    service = StandInService()
    dispatcher = CollectingDispatcher()
    rated = tracker('/csat_rate{"csat_score":"4"}', "csat_rate", [{"entity": "csat_score", "value": "4"}],
                    csat_handoff_id="h-1", csat_stage="rating")  # fmt: skip
    events = await ActionCsatRate(runtime=runtime_over(tmp_path, service)).run(dispatcher, rated, {})
    assert service.requests == [
        ("/api/v1/handoffs/h-1/csat", "Bearer key-1", {"conversation_id": SENDER, "score": 4}),
    ]
    assert responses(dispatcher) == ["utter_csat_comment_ask"]
    assert slots(events) == {"csat_stage": "comment"}


async def test_a_typed_number_outside_the_scale_is_asked_again(tmp_path: Path) -> None:
    """ "9" posts nothing; the customer is told the scale and gets the buttons again."""
    service = StandInService()
    dispatcher = CollectingDispatcher()
    typed = tracker("9", "nlu_fallback", csat_handoff_id="h-1", csat_stage="rating")
    assert await ActionCsatRate(runtime=runtime_over(tmp_path, service)).run(dispatcher, typed, {}) == []
    assert (service.requests, responses(dispatcher)) == ([], ["utter_csat_invalid", "utter_csat_ask"])


@pytest.mark.parametrize(
    ("status", "detail", "told"),
    [
        (409, "handoff h-1 is already rated", "utter_csat_already_rated"),  # rated from another device, or a retry
        (409, "handoff h-1 closed more than 24 hours ago", "utter_csat_not_recorded"),
        (404, "handoff 'h-1 of this conversation' not found", "utter_csat_not_recorded"),
        (503, "down", "utter_csat_not_recorded"),  # after the client's retries
    ],
)
async def test_a_refused_rating_is_told_and_ends_the_survey(
    tmp_path: Path, status: int, detail: str, told: str
) -> None:
    """The customer hears why in a sentence; the survey slots are cleared."""
    dispatcher = CollectingDispatcher()
    rated = tracker("5", "nlu_fallback", csat_handoff_id="h-1", csat_stage="rating")
    events = await ActionCsatRate(runtime=runtime_over(tmp_path, StandInService(status, detail))).run(
        dispatcher, rated, {}
    )
    assert responses(dispatcher) == [told]
    assert slots(events) == {"csat_handoff_id": None, "csat_stage": None}


async def test_no_rating_is_posted_without_an_open_rating_question(tmp_path: Path) -> None:
    """A rating that reaches the action outside the survey (stage over) posts nothing."""
    service = StandInService()
    dispatcher = CollectingDispatcher()
    late = tracker("/csat_rate", "csat_rate", [{"entity": "csat_score", "value": "5"}], csat_handoff_id="h-1",
                   csat_stage="comment")  # fmt: skip
    await ActionCsatRate(runtime=runtime_over(tmp_path, service)).run(dispatcher, late, {})
    assert (service.requests, responses(dispatcher)) == ([], ["utter_csat_already_rated"])


async def test_the_comment_is_posted_and_skip_posts_nothing(tmp_path: Path) -> None:
    """The message after the comment prompt is posted as written (trimmed); Skip only thanks. Both end the survey."""
    service = StandInService()
    runtime = runtime_over(tmp_path, service)
    dispatcher = CollectingDispatcher()
    written = tracker("  Muy amable, gracias  ", "thank_you", csat_handoff_id="h-1", csat_stage="comment")
    events = await ActionCsatComment(runtime=runtime).run(dispatcher, written, {})
    assert service.requests == [
        (
            "/api/v1/handoffs/h-1/csat/comment",
            "Bearer key-1",
            {"conversation_id": SENDER, "comment": "Muy amable, gracias"},
        ),
    ]
    skipped = tracker("/csat_skip", "csat_skip", csat_handoff_id="h-1", csat_stage="comment")
    events += await ActionCsatComment(runtime=runtime).run(dispatcher, skipped, {})
    assert len(service.requests) == 1
    assert responses(dispatcher) == ["utter_csat_thanks", "utter_csat_thanks"]
    assert slots(events) == {"csat_handoff_id": None, "csat_stage": None}
