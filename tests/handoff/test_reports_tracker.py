"""Bot-side reports from a small Rasa ``events`` table (tests/handoff/reports_history.py) on SQLite and PostgreSQL:
conversations and containment, intents by language, fallback and KB no-answer rates, articles, clarifications;
"unavailable" (not zero) when the tracker store is not configured or cannot be read; read-only access."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import DBAPIError

from handoff.reports.tracker import read_only_engine
from handoff.settings import Settings
from tests.handoff.reports_history import build_handoff_history, build_tracker
from tests.handoff.testkit import auth

SUPERVISOR = auth("demo-agent-emily")
PARIS = {"tz": "Europe/Paris", "from": "2026-10-25", "to": "2026-10-26", "period": "day"}
COLUMNS = (
    "bucket", "group", "conversations", "handed_off", "contained", "containment_rate", "user_messages", "fallbacks",
    "fallback_rate", "kb_questions", "articles_served", "kb_no_answers", "kb_no_answer_rate", "clarifications_asked",
    "clarifications_chosen", "clarifications_declined",
)  # fmt: skip


def rows(*values: tuple[Any, ...]) -> list[dict[str, Any]]:
    """Rows as the API returns them, from tuples in ``COLUMNS`` order."""
    return [dict(zip(COLUMNS, row, strict=True)) for row in values]


@pytest.fixture
def settings(settings: Settings, tracker_url: str) -> Settings:
    """The handoff service reads the tracker store."""
    return settings.model_copy(update={"reports_tracker_db_url": tracker_url})


@pytest.fixture
def history(client: TestClient, app: FastAPI, tracker_url: str) -> TestClient:
    """The known handoffs (conv-a and conv-d were handed off) and the known tracker events."""
    build_handoff_history(app.state.context.sessions)
    build_tracker(tracker_url)
    return client


def report(client: TestClient, name: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/api/v1/reports/{name}", params=params, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_conversations_containment_and_rates_per_paris_day(history: TestClient) -> None:
    """Sunday the 25th: conv-a (handed off: A), conv-x (contained) and conv-d's first message (23:50 CET; its
    handoff D is on Monday). Monday: conv-seed and conv-d (handed off). conv-a's external agent reply is no
    customer message; conv-out (00:30 CET Tuesday) is outside."""
    body = report(history, "conversations", **PARIS)
    assert body["available"] is True
    assert body["columns"] == list(COLUMNS)
    expected = rows(
        # 10 messages (conv-a 4, conv-x 5, conv-d 1), one fallback; KB: served shipping-times and returns, one no
        # answer, two clarifications (one chosen, one declined) -> 5 KB questions.
        ("2026-10-25", "all", 3, 1, 2, 0.6667, 10, 1, 0.1, 5, 2, 1, 0.2, 2, 1, 1),
        # conv-seed 3 messages (one fallback), conv-d 1; no KB question, so no KB rate (unknown, not 0).
        ("2026-10-26", "all", 2, 1, 1, 0.5, 4, 1, 0.25, 0, 0, 0, None, 0, 0, 0),
    )
    assert expected == body["rows"]


def test_grouped_by_language_each_turn_takes_the_language_set_in_it(history: TestClient) -> None:
    """conv-a's greeting counts as Spanish (the language policy set es in that turn); conv-seed is Arabic from a
    slot set weeks earlier until its "change language" turn, which counts as English, as does the conversation."""
    body = report(history, "conversations", **PARIS, group_by="language")
    figures = [(r["bucket"], r["group"], r["conversations"], r["handed_off"], r["user_messages"], r["fallbacks"])
               for r in body["rows"]]  # fmt: skip
    assert figures == [
        ("2026-10-25", "ar", 0, 0, 0, 0),
        ("2026-10-25", "en", 0, 0, 0, 0),
        ("2026-10-25", "es", 2, 1, 5, 0),
        ("2026-10-25", "fr", 1, 0, 5, 1),
        ("2026-10-26", "ar", 0, 0, 2, 1),
        ("2026-10-26", "en", 1, 0, 1, 0),
        ("2026-10-26", "es", 1, 1, 1, 0),
        ("2026-10-26", "fr", 0, 0, 0, 0),
    ]
    french = next(r for r in body["rows"] if r["bucket"] == "2026-10-25" and r["group"] == "fr")
    assert (french["kb_questions"], french["clarifications_asked"], french["kb_no_answer_rate"]) == (3, 2, 0.0)


def test_intents_by_language(history: TestClient) -> None:
    """Customer messages per intent and language, most frequent first."""
    body = report(history, "intents", **PARIS)
    assert [(r["bucket"], r["language"], r["intent"], r["messages"]) for r in body["rows"]] == [
        ("2026-10-25", "es", "faq", 2),
        ("2026-10-25", "es", "greet", 2),
        ("2026-10-25", "es", "request_human", 1),
        ("2026-10-25", "fr", "faq", 4),
        ("2026-10-25", "fr", "nlu_fallback", 1),
        ("2026-10-26", "ar", "greet", 1),
        ("2026-10-26", "ar", "nlu_fallback", 1),
        ("2026-10-26", "en", "change_language", 1),
        ("2026-10-26", "es", "request_human", 1),
    ]


def test_articles_served(history: TestClient) -> None:
    """An answered question and a chosen clarification both serve an article."""
    body = report(history, "articles", **PARIS)
    assert [(r["bucket"], r["language"], r["article"], r["served"]) for r in body["rows"]] == [
        ("2026-10-25", "es", "shipping-times", 1),
        ("2026-10-25", "fr", "returns", 1),
    ]


@pytest.mark.parametrize(
    ("params", "conversations"),
    [
        ({"language": "fr"}, [1, 0]),
        ({"channel": "whatsapp"}, [2, 1]),  # conv-a, conv-d | conv-d
        ({"tz": "UTC"}, [2, 2]),  # the 25th: conv-x, conv-d; the 26th: conv-seed, conv-out (conv-a is the 24th)
    ],
)
def test_filters_and_zone(history: TestClient, params: dict[str, str], conversations: list[int]) -> None:
    """Language and channel filters, and the same events bucketed in UTC."""
    body = report(history, "conversations", **{**PARIS, **params})
    assert [row["conversations"] for row in body["rows"]] == conversations


def test_handoff_dimensions_are_refused_for_bot_reports(history: TestClient) -> None:
    """Queues and agents are not known in the tracker store: a 422 says what is."""
    response = history.get("/api/v1/reports/conversations", params={"group_by": "queue"}, headers=SUPERVISOR)
    assert response.status_code == 422
    assert "channel, language" in response.json()["detail"]


def test_csv_of_the_intents(history: TestClient) -> None:
    """The intents table as CSV, header and first row."""
    response = history.get("/api/v1/reports/intents.csv", params=PARIS, headers=SUPERVISOR)
    assert response.status_code == 200
    assert response.text.startswith("bucket,language,intent,messages\r\n2026-10-25,es,faq,2\r\n")


@pytest.mark.parametrize("backend", ["missing file", "no events table"])
def test_unreadable_tracker_store_is_unavailable_not_zero(
    client: TestClient, tracker_url: str, backend: str, database_url: str
) -> None:
    """A tracker store that cannot be read: the JSON says unavailable with a reason (no URL, no rows); the CSV is
    a 503."""
    if backend == "no events table" and database_url.startswith("sqlite"):
        sa.create_engine(tracker_url).dispose()
        Path(tracker_url.removeprefix("sqlite:///")).write_bytes(b"")
    body = report(client, "conversations", **PARIS)
    assert (body["available"], body["rows"]) == (False, [])
    assert "cannot be read" in body["unavailable_reason"]
    assert "sqlite" not in body["unavailable_reason"] and "postgres" not in body["unavailable_reason"]
    csv = client.get("/api/v1/reports/conversations.csv", params=PARIS, headers=SUPERVISOR)
    assert csv.status_code == 503
    assert "unavailable" in csv.json()["detail"]


def test_the_tracker_store_is_opened_read_only(history: TestClient, tracker_url: str) -> None:
    """The reports' engine cannot change Rasa's data."""
    engine = read_only_engine(tracker_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM events")).scalar() == 32
            with pytest.raises(DBAPIError):
                connection.execute(sa.text("DELETE FROM events"))
    finally:
        engine.dispose()


class TestNotConfigured:
    """Without a tracker URL."""

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        """No tracker store configured."""
        return settings.model_copy(update={"reports_tracker_db_url": None})

    def test_bot_figures_are_unavailable(self, client: TestClient) -> None:
        """The reason names the setting to set."""
        body = report(client, "intents", **PARIS)
        assert (body["available"], body["rows"]) == (False, [])
        assert "HANDOFF_REPORTS_TRACKER_DB_URL" in body["unavailable_reason"]
