"""Handoff reports over a known history (tests/handoff/reports_history.py) on SQLite and PostgreSQL: every figure,
local-date buckets in Paris across the end of summer time and the week and month boundaries, grouping, filters,
CSV export and access."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.handoff.reports_history import build_handoff_history
from tests.handoff.testkit import SERVICE_KEY, auth

SUPERVISOR = auth("demo-agent-emily")
PARIS = {"tz": "Europe/Paris", "from": "2026-10-24", "to": "2026-11-01"}
COLUMNS = (
    "bucket", "group", "handoffs", "assigned", "closed", "wait_p50_seconds", "wait_p90_seconds",
    "first_response_p50_seconds", "first_response_p90_seconds", "handle_p50_seconds", "handle_p90_seconds",
    "transfers", "reopened_7d", "sla_breaches", "csat_responses", "csat_mean",
)  # fmt: skip
EMPTY = (0, 0, 0, None, None, None, None, None, None, 0, 0, 0, 0, None)


def rows(*values: tuple[Any, ...]) -> list[dict[str, Any]]:
    """Rows as the API returns them, from tuples in ``COLUMNS`` order."""
    return [dict(zip(COLUMNS, row, strict=True)) for row in values]


@pytest.fixture
def history(client: TestClient, app: FastAPI) -> TestClient:
    """The started service with the known history in its database."""
    build_handoff_history(app.state.context.sessions)
    return client


def report(client: TestClient, name: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/api/v1/reports/{name}", params=params, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_daily_figures_in_paris_reconcile_with_the_rows(history: TestClient) -> None:
    """Per Paris day: A and B on Sunday the 25th (A is Saturday in UTC), D on Monday (Sunday in UTC), F on
    November 1st; waits, replies, handle times, transfers, reopenings, SLA breaches and CSAT as in the table."""
    body = report(history, "handoffs", period="day", **PARIS)
    assert body["columns"] == list(COLUMNS)
    assert (body["from"], body["to"], body["tz"], body["period"]) == ("2026-10-24", "2026-11-01", "Europe/Paris", "day")
    assert body["available"] is True
    expected = rows(
        ("2026-10-24", "all", *EMPTY),
        # A: wait 40, reply 100, handle 960, CSAT 5; B: wait 90 (> 60 s SLA), reply 120, handle 310, CSAT 2,
        # one transfer, reopened by C two days later.
        ("2026-10-25", "all", 2, 2, 2, 40.0, 90.0, 100.0, 120.0, 310.0, 960.0, 1, 1, 1, 2, 3.5),
        # D: still waiting in rq-slow, so its SLA is breached and it has no wait yet.
        ("2026-10-26", "all", 1, 0, 0, None, None, None, None, None, None, 0, 0, 1, 0, None),
        # C: assigned after 30 s, no reply, open.
        ("2026-10-27", "all", 1, 1, 0, 30.0, 30.0, None, None, None, None, 0, 0, 0, 0, None),
        ("2026-10-28", "all", *EMPTY),
        ("2026-10-29", "all", *EMPTY),
        ("2026-10-30", "all", *EMPTY),
        # E: 23:59 on the 31st in Paris; reopened by F in the same conversation half an hour after its close.
        ("2026-10-31", "all", 1, 1, 1, 10.0, 10.0, 20.0, 20.0, 60.0, 60.0, 2, 1, 0, 1, 4.0),
        # F: the private note at +201 s is not the first response; reopened by H (outside the range).
        ("2026-11-01", "all", 1, 1, 1, 200.0, 200.0, 300.0, 300.0, 300.0, 300.0, 0, 1, 1, 1, 1.0),
    )
    assert expected == body["rows"]


def test_weeks_start_on_monday_in_the_report_zone(history: TestClient) -> None:
    """Week of Mon 10-19 holds A and B (Sunday the 25th); week of Mon 10-26 holds D, C, E and F (Sunday 11-01).
    Waits 30, 10, 200 -> nearest-rank p50 30 and p90 200."""
    body = report(history, "handoffs", period="week", **PARIS)
    expected = rows(
        ("2026-10-19", "all", 2, 2, 2, 40.0, 90.0, 100.0, 120.0, 310.0, 960.0, 1, 1, 1, 2, 3.5),
        ("2026-10-26", "all", 4, 3, 2, 30.0, 200.0, 20.0, 300.0, 60.0, 300.0, 2, 2, 2, 2, 2.5),
    )
    assert expected == body["rows"]


@pytest.mark.parametrize(
    ("tz", "october", "november"),
    [
        ("Europe/Paris", 5, 1),  # F (00:30 on Nov 1st in Paris) is November; H (Nov 2nd) is outside
        ("UTC", 6, 1),  # F is still October 31st in UTC; H is November 1st; A is the 24th either way
    ],
)
def test_months_follow_the_local_date(history: TestClient, tz: str, october: int, november: int) -> None:
    """The same instants fall into different months depending on the zone."""
    body = report(history, "handoffs", period="month", tz=tz, **{"from": "2026-10-24", "to": "2026-11-01"})
    assert [(row["bucket"], row["handoffs"]) for row in body["rows"]] == [
        ("2026-10-01", october),
        ("2026-11-01", november),
    ]


def test_group_by_queue_lists_every_bucket_for_every_queue(history: TestClient) -> None:
    """rq-fast: A, B, E in October (waits 40, 90, 10), F in November; rq-slow: D and C in October, none after."""
    body = report(history, "handoffs", period="month", group_by="queue", **PARIS)
    figures = [
        (r["bucket"], r["group"], r["handoffs"], r["wait_p50_seconds"], r["wait_p90_seconds"]) for r in body["rows"]
    ]
    assert figures == [
        ("2026-10-01", "rq-fast", 3, 40.0, 90.0),
        ("2026-10-01", "rq-slow", 2, 30.0, 30.0),
        ("2026-11-01", "rq-fast", 1, 200.0, 200.0),
        ("2026-11-01", "rq-slow", 0, None, None),
    ]
    assert body["group_by"] == "queue"


def test_group_by_agent_keeps_unassigned_handoffs_apart(history: TestClient) -> None:
    """ag-1: A, C, F; ag-2: B, E; D has no agent (null group, listed last)."""
    body = report(history, "handoffs", period="month", group_by="agent", **PARIS)
    october = [(r["group"], r["handoffs"], r["transfers"]) for r in body["rows"] if r["bucket"] == "2026-10-01"]
    assert october == [("ag-1", 2, 0), ("ag-2", 2, 3), (None, 1, 0)]


@pytest.mark.parametrize(
    ("params", "october", "november"),
    [
        ({"language": "es"}, 3, 1),  # A, D, E | F
        ({"language": ["es", "fr"]}, 5, 1),  # repeated values
        ({"language": "es,fr"}, 5, 1),  # comma-separated values
        ({"agent": "ag-1"}, 2, 1),  # A, C | F
        ({"channel": "webchat", "topic": "billing"}, 1, 0),  # B only: filters combine
        ({"reason": "transactional"}, 1, 0),  # E
        ({"queue": "rq-slow"}, 2, 0),  # D, C
        ({"queue": "nowhere"}, 0, 0),
    ],
)
def test_filters(history: TestClient, params: dict[str, Any], october: int, november: int) -> None:
    """Each filter keeps exactly the handoffs it names."""
    body = report(history, "handoffs", period="month", **PARIS, **params)
    assert [row["handoffs"] for row in body["rows"]] == [october, november]


def test_reasons_per_month(history: TestClient) -> None:
    """Reasons of A..F by Paris month (only those that occurred)."""
    body = report(history, "reasons", period="month", **PARIS)
    assert [(r["bucket"], r["reason"], r["handoffs"]) for r in body["rows"]] == [
        ("2026-10-01", "explicit_request", 2),
        ("2026-10-01", "frustration", 1),
        ("2026-10-01", "no_kb_answer", 1),
        ("2026-10-01", "transactional", 1),
        ("2026-11-01", "repeated_failure", 1),
    ]


def test_csat_distribution_per_month(history: TestClient) -> None:
    """October: A 5, B 2, E 4; November: F 1 (G's 3 is outside the range)."""
    body = report(history, "csat", period="month", **PARIS)
    assert [(r["bucket"], r["score"], r["responses"]) for r in body["rows"]] == [
        ("2026-10-01", 1, 0), ("2026-10-01", 2, 1), ("2026-10-01", 3, 0), ("2026-10-01", 4, 1), ("2026-10-01", 5, 1),
        ("2026-11-01", 1, 1), ("2026-11-01", 2, 0), ("2026-11-01", 3, 0), ("2026-11-01", 4, 0), ("2026-11-01", 5, 0),
    ]  # fmt: skip
    summary = report(history, "handoffs", period="month", **PARIS)["rows"]
    assert [(r["csat_responses"], r["csat_mean"]) for r in summary] == [(3, 3.67), (1, 1.0)]


def test_csv_export_matches_the_json_and_is_safe(history: TestClient) -> None:
    """The CSV has the JSON's columns and values, an attachment file name, and no cell a spreadsheet would run."""
    params = {"period": "month", "group_by": "queue", **PARIS}
    response = history.get("/api/v1/reports/handoffs.csv", params=params, headers=SUPERVISOR)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="nimbus-handoffs-2026-10-24-2026-11-01.csv"'
    table = list(csv.reader(io.StringIO(response.text)))
    assert table[0] == list(COLUMNS)
    assert table[1][:7] == ["2026-10-01", "rq-fast", "3", "3", "3", "40.0", "90.0"]
    assert table[4][:7] == ["2026-11-01", "rq-slow", "0", "0", "0", "", ""]
    same = history.get("/api/v1/reports/handoffs", params={**params, "format": "csv"}, headers=SUPERVISOR)
    assert same.text == response.text


def test_csv_cells_that_look_like_formulas_are_prefixed(client: TestClient, app: FastAPI) -> None:
    """A queue named like a formula is exported as text (leading apostrophe)."""
    from tests.handoff.reports_history import HISTORY, Spec, _handoff  # the factory, for one odd row

    spec = Spec("Z", "2026-10-25 12:00", "=cmd|' /C calc'!A0", "conv-z", "cust-z", "en", "@web", "general",
                "explicit_request")  # fmt: skip
    assert spec not in HISTORY
    with app.state.context.sessions.begin() as session:
        session.add(_handoff(spec))
    params = {"period": "day", "group_by": "queue", **PARIS, "to": "2026-10-25"}
    text = client.get("/api/v1/reports/handoffs.csv", params=params, headers=SUPERVISOR).text
    assert "\r\n2026-10-25,'=cmd|' /C calc'!A0,1," in text
    channel = client.get("/api/v1/reports/reasons.csv", params={**params, "group_by": "channel"}, headers=SUPERVISOR)
    assert "2026-10-25,'@web,explicit_request,1\r\n" in channel.text


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"tz": "Mars/Olympus"}, "tz"),
        ({"tz": "../../etc/passwd"}, "tz"),
        ({"from": "2026-11-02", "to": "2026-11-01"}, "from"),
        ({"from": "2020-01-01", "to": "2026-11-01"}, "from"),  # more than three years
        ({"from": "2025-01-01", "to": "2026-11-01", "period": "day"}, "period"),  # more than 400 days
        ({"period": "year"}, "period"),
        ({"group_by": "colour"}, "group_by"),
        ({"from": "yesterday"}, "from"),
        ({"from": "0001-01-01", "to": "0001-01-02"}, "from"),  # would overflow date arithmetic
        ({"to": "9999-12-31"}, "to"),
    ],
)
def test_bad_parameters_are_422_naming_the_field(client: TestClient, params: dict[str, str], field: str) -> None:
    """Every bad input is a clear 422 that names what to fix."""
    response = client.get("/api/v1/reports/handoffs", params=params, headers=SUPERVISOR)
    assert response.status_code == 422, response.text
    assert any(field in name for name in response.json()["fields"]), response.json()


def test_unknown_report_is_404(client: TestClient) -> None:
    """Both routes answer 404 for a report that does not exist."""
    assert client.get("/api/v1/reports/salaries", headers=SUPERVISOR).status_code == 404
    assert client.get("/api/v1/reports/salaries.csv", headers=SUPERVISOR).status_code == 404


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        (auth("demo-agent-maria"), 403),  # an agent
        (auth(SERVICE_KEY), 403),  # the bot
        (SUPERVISOR, 200),
        (auth("test-admin-token"), 200),
    ],
)
def test_only_supervisors_and_admins_read_reports(client: TestClient, headers: dict[str, str], status: int) -> None:
    """Reports (JSON, CSV and the list) are for supervisors and admins."""
    for path in ("/api/v1/reports", "/api/v1/reports/handoffs", "/api/v1/reports/handoffs.csv"):
        assert client.get(path, headers=headers).status_code == status, path


def test_the_list_names_every_report_and_its_dimensions(client: TestClient) -> None:
    """Six reports: three from the handoff store, three from the tracker store (language and channel only)."""
    listed = {r["name"]: r for r in client.get("/api/v1/reports", headers=SUPERVISOR).json()}
    assert sorted(listed) == ["articles", "conversations", "csat", "handoffs", "intents", "reasons"]
    assert listed["conversations"]["dimensions"] == ["channel", "language"]
    assert listed["handoffs"]["columns"] == list(COLUMNS)


def test_the_chart_library_is_served_locally_under_the_csp(client: TestClient) -> None:
    """uPlot and its licence come from this service (no CDN), under a CSP without 'unsafe-inline'."""
    script = client.get("/static/vendor/uplot/uPlot.iife.min.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert "var uPlot" in script.text
    csp = script.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    assert client.get("/static/vendor/uplot/uPlot.min.css").status_code == 200
    assert "MIT License" in client.get("/static/vendor/uplot/LICENSE").text
    page = client.get("/static/console/index.html").text
    assert 'id="tab-reports"' in page and "https://" not in page.split("<body>")[0]
