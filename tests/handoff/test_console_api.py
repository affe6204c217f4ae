"""What the console pages need from the service: the pages themselves, the supervisor dashboard, KB suggestions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from handoff.main import create_app
from handoff.settings import Settings
from kb import build_index
from kb.settings import DEFAULT_ENCODER
from language_registry import codes
from tests.handoff.testkit import SERVICE, FrozenClock, RasaStandIn, agent, handoff_body, port_factory
from tests.kb.articles_fixture import write_articles

FOREIGN_IMPORT = re.compile(r"""(?:\bimport\b|\bfrom\b|@import|url\()\s*\(?\s*["']?(?:https?:)?//""")


def create(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/handoffs", json=handoff_body(**overrides), headers=SERVICE)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.parametrize("page", ["/console", "/chat"])
def test_pages_are_served_with_a_policy_that_runs_only_our_scripts(client: TestClient, page: str) -> None:
    """Both pages are static HTML; the CSP forbids inline and foreign scripts and allows Rasa's socket."""
    response = client.get(page)
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "ws://rasa.test:5005" in policy
    scripts = [line for line in response.text.splitlines() if "<script" in line]
    assert scripts and all('src="/static/' in line for line in scripts), "every script is one of our files"


def test_page_assets_are_served(client: TestClient) -> None:
    """Every module the pages import is there (no build step, nothing fetched from elsewhere)."""
    for asset in (
        "console/console.js",
        "console/api.js",
        "console/conversation.js",
        "console/supervisor.js",
        "console/console.css",
        "chat/chat.js",
        "chat/socketio.js",
        "chat/strings.js",
        "chat/chat.css",
        "common/dom.js",
        "common/languages.js",
        "common/time.js",
    ):
        response = client.get(f"/static/{asset}")
        assert response.status_code == 200, asset
        assert not FOREIGN_IMPORT.search(response.text), f"{asset} loads code from elsewhere"


def test_no_page_script_builds_html_from_strings() -> None:
    """Text from customers and agents is only ever set as text: no innerHTML, outerHTML, insertAdjacentHTML."""
    web = Path(__file__).resolve().parents[2] / "handoff" / "web"
    for script in web.rglob("*.js"):
        source = script.read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in source, f"{script.name} uses {sink}"


def test_web_chat_config_names_the_public_rasa_url(settings: Settings, clock: FrozenClock, rasa: RasaStandIn) -> None:
    """HANDOFF_PUBLIC_RASA_URL, when set, is where browsers connect (RASA_URL may be an internal address)."""
    public = settings.model_copy(update={"public_rasa_url": "https://chat.example.com/"})
    with TestClient(create_app(public, clock=clock, delivery_port_factory=port_factory(rasa))) as client:
        config = client.get("/chat/config.json").json()
        policy = client.get("/chat").headers["content-security-policy"]
    assert config == {"rasa_url": "https://chat.example.com", "languages": list(codes())}
    assert "wss://chat.example.com" in policy


def test_dashboard_shows_depth_longest_wait_load_and_languages(client: TestClient, clock: FrozenClock) -> None:
    """Two Spanish and one French handoff; one Spanish claimed after 2 minutes; the rest wait 5 minutes."""
    first = create(client, language="es")
    create(client, language="es")
    create(client, language="fr", customer={"locale": "fr-FR"})
    clock.advance(seconds=120)
    claimed = client.post(f"/api/v1/handoffs/{first['id']}/claim", headers=agent("maria.garcia"))
    assert claimed.status_code == 200, claimed.text
    clock.advance(seconds=180)

    board = client.get("/api/v1/dashboard", headers=agent("emily.carter")).json()

    queues = {q["name"]: q for q in board["queues"]}
    assert queues["americas"]["depth"] == 1
    assert queues["americas"]["longest_wait_seconds"] == 300
    assert queues["apac"]["depth"] == 0 and queues["apac"]["longest_wait_seconds"] is None
    languages = {row["language"]: row for row in board["languages"]}
    assert languages["es"] == {
        "language": "es",
        "handoffs": 2,
        "waiting": 1,
        "average_wait_seconds": 210,
        "longest_wait_seconds": 300,
    }
    assert languages["fr"]["handoffs"] == 1 and languages["fr"]["waiting"] == 1
    agents = {a["id"]: a for a in board["agents"]}
    assert agents["maria.garcia"]["active"] == 1
    assert agents["maria.garcia"]["max_concurrent"] == 3


def test_dashboard_is_for_supervisors(client: TestClient) -> None:
    """An agent gets 403; without a token 401."""
    assert client.get("/api/v1/dashboard", headers=agent("maria.garcia")).status_code == 403
    assert client.get("/api/v1/dashboard").status_code == 401


@pytest.fixture(scope="module")
def kb_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real index of the three fixture articles, built with the default encoder."""
    root = tmp_path_factory.mktemp("console-kb")
    build_index(write_articles(root / "articles"), root / "index", DEFAULT_ENCODER)
    return root / "index"


def client_with_index(settings: Settings, clock: FrozenClock, rasa: RasaStandIn, index: Path) -> TestClient:
    app = create_app(
        settings.model_copy(update={"kb_index_dir": index}), clock=clock, delivery_port_factory=port_factory(rasa)
    )
    return TestClient(app)


@pytest.fixture
def kb_client(settings: Settings, clock: FrozenClock, rasa: RasaStandIn, kb_index: Path) -> Iterator[TestClient]:
    """The service with the fixture index for suggestions."""
    with client_with_index(settings, clock, rasa, kb_index) as client:
        yield client


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_suggestions_answer_the_customers_last_message_in_their_language(kb_client: TestClient) -> None:
    """The customer's last message, in Portuguese, finds the shipping article in Portuguese."""
    transcript = [
        {"role": "customer", "text": "oi"},
        {"role": "customer", "text": "quanto tempo demora a entrega do meu pedido?"},
    ]
    handoff = create(kb_client, language="pt", transcript=transcript, kb_articles_tried=["shipping-times"])
    response = kb_client.get(f"/api/v1/handoffs/{handoff['id']}/suggestions", headers=agent("maria.garcia"))
    assert response.status_code == 200, response.text
    best = response.json()[0]
    assert best["article_id"] == "shipping-times"
    assert best["language"] == "pt"
    assert best["already_tried"] is True
    assert best["answer"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_suggestions_for_an_agents_own_query(kb_client: TestClient) -> None:
    """`q` searches what the agent typed, still in the customer's language; `k` bounds the answer."""
    handoff = create(kb_client, language="es")
    response = kb_client.get(
        f"/api/v1/handoffs/{handoff['id']}/suggestions",
        params={"q": "olvidé mi contraseña", "k": 2},
        headers=agent("maria.garcia"),
    )
    assert response.status_code == 200, response.text
    hits = response.json()
    assert len(hits) == 2
    assert hits[0]["article_id"] == "reset-password" and hits[0]["language"] == "es"
    assert (
        kb_client.get(
            f"/api/v1/handoffs/{handoff['id']}/suggestions", params={"k": 0}, headers=agent("maria.garcia")
        ).status_code
        == 422
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_suggestions_respect_queues(kb_client: TestClient) -> None:
    """An agent of another queue gets 403."""
    handoff = create(kb_client, language="es")
    response = kb_client.get(f"/api/v1/handoffs/{handoff['id']}/suggestions", headers=agent("claire.dubois"))
    assert response.status_code == 403


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_suggestions_without_an_index_say_why(
    settings: Settings, clock: FrozenClock, rasa: RasaStandIn, tmp_path: Path
) -> None:
    """A service whose index is not built answers 503 with the reason, and works once it is there."""
    with client_with_index(settings, clock, rasa, tmp_path / "not-built") as client:
        handoff = create(client, language="es")
        missing = client.get(f"/api/v1/handoffs/{handoff['id']}/suggestions", headers=agent("maria.garcia"))
    assert missing.status_code == 503
    assert "knowledge base not available" in missing.json()["detail"]
