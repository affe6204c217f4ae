"""Translation in the handoff API on SQLite and PostgreSQL, against the LibreTranslate stand-in (real HTTP):
routing through a translation-enabled queue, the transcript in the agent's language (batched, stored, never a
private note), the reply preview, and a reply that keeps both texts while the customer receives the translation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from handoff.adapters.delivery import deliver_due
from handoff.main import create_app
from handoff.services.context import ServiceContext
from handoff.settings import Settings
from tests.handoff.testkit import ADMIN, SERVICE, FrozenClock, RasaStandIn, agent, handoff_body, port_factory
from tests.stand_ins.translation import TranslationStandIn

# Tuesday 05:00 UTC: Mexico City 23:00 (americas closed), Paris 06:00 (emea closed), Shanghai 13:00 (apac open,
# but it speaks no Portuguese): before translation, a Portuguese customer overflowed to English-only billing-global.
NIGHT_UTC = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
SAM = agent("sam.okoro")  # speaks English only; member of billing-global and global-translated
CANNED = {
    ("en", "Olá"): "Hello",
    ("en", "Meu pedido não chegou"): "My order has not arrived",
    ("en", "Olá! Como posso ajudar?"): "Hello! How can I help?",
    ("pt", "Let me check your order."): "Vou verificar o seu pedido.",
}
PT_TRANSCRIPT = [
    {"role": "customer", "text": "Olá", "timestamp": "2026-11-24T04:58:00Z", "language": "pt"},
    {"role": "bot", "text": "Olá! Como posso ajudar?", "timestamp": "2026-11-24T04:58:01Z", "language": "pt"},
    {"role": "customer", "text": "Meu pedido não chegou", "timestamp": "2026-11-24T04:59:00Z", "language": "pt"},
]


@pytest.fixture
def stand_in() -> Iterator[TranslationStandIn]:
    """LibreTranslate stand-in with a key."""
    with TranslationStandIn(canned=dict(CANNED), libre_api_key="libre-key") as server:
        yield server


@pytest.fixture
def translated_settings(settings: Settings, stand_in: TranslationStandIn) -> Settings:
    """The test settings with LibreTranslate configured (TRANSLATION_URL + TRANSLATION_API_KEY)."""
    return settings.model_copy(
        update={"translation_url": stand_in.url, "translation_api_key": "libre-key", "translation_retry_seconds": 0}
    )


@pytest.fixture
def night() -> FrozenClock:
    """Night in the Americas and in Europe."""
    return FrozenClock(NIGHT_UTC)


@pytest.fixture
def translated_app(translated_settings: Settings, night: FrozenClock, rasa: RasaStandIn) -> FastAPI:
    """The service with translation on, at night."""
    return create_app(translated_settings, clock=night, delivery_port_factory=port_factory(rasa))


@pytest.fixture
def tclient(translated_app: FastAPI) -> Iterator[TestClient]:
    """A started service with translation."""
    with TestClient(translated_app) as test_client:
        yield test_client


def portuguese_handoff(client: TestClient, **overrides: Any) -> dict[str, Any]:
    """A Portuguese customer asking for a person about an order."""
    body = handoff_body(language="pt", topic="general", transcript=PT_TRANSCRIPT, customer={"locale": "pt-BR"})
    body.update(overrides)
    response = client.post("/api/v1/handoffs", json=body, headers=SERVICE)
    assert response.status_code == 201, response.text
    return dict(response.json())


def claimed_by_sam(client: TestClient) -> str:
    """A Portuguese handoff at night, claimed by Sam with claim-next (which offers it to him through translation)."""
    created = portuguese_handoff(client)
    claimed = client.post("/api/v1/handoffs/claim-next", headers=SAM)
    assert (200, created["id"]) == (claimed.status_code, claimed.json()["id"]), claimed.text
    return str(created["id"])


def test_a_portuguese_customer_at_night_reaches_the_translation_queue(tclient: TestClient) -> None:
    """With translation configured: queue global-translated, via translation, covered; the audit row says so."""
    created = portuguese_handoff(tclient)
    assert (
        created["queue"],
        created["routing_rule"],
        created["routing_via"],
        created["language_covered"],
    ) == ("global-translated", "translation", "translation", True)
    [entry] = [a for a in tclient.get(f"/api/v1/audit?handoff_id={created['id']}", headers=ADMIN).json()]
    assert (entry["details"]["via"], entry["details"]["rule"]) == ("translation", "translation")


def test_without_translation_nothing_changes(settings: Settings, rasa: RasaStandIn, night: FrozenClock) -> None:
    """No TRANSLATION_URL: the same customer overflows to billing-global as before, and is told so (not covered)."""
    with TestClient(create_app(settings, clock=night, delivery_port_factory=port_factory(rasa))) as client:
        created = portuguese_handoff(client)
        assert (
            created["queue"],
            created["routing_via"],
            created["language_covered"],
        ) == ("billing-global", "overflow", False)
        assert client.post("/api/v1/handoffs/claim-next", headers=SAM).status_code == 204


def test_a_language_team_still_comes_first(tclient: TestClient, night: FrozenClock) -> None:
    """By day in Mexico City the americas team, who speak Portuguese, take it: via language."""
    night.now = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    created = portuguese_handoff(tclient)
    assert (created["queue"], created["routing_via"]) == ("americas", "language")


def test_transcript_in_the_agents_language_batched_and_stored(
    tclient: TestClient,
    stand_in: TranslationStandIn,
    translated_settings: Settings,
    night: FrozenClock,
    rasa: RasaStandIn,
) -> None:
    """Sam reads every customer and bot line in English with the original kept in ``text``; one provider call for
    the three lines; a reload, and even a new process (empty memory cache), asks the provider nothing more."""
    hid = claimed_by_sam(tclient)
    messages = tclient.get(f"/api/v1/handoffs/{hid}", headers=SAM).json()["messages"]
    seen = [(m["text"], m["translation"]["text"], m["translation"]["failed"]) for m in messages]
    assert seen == [
        ("Olá", "Hello", False),
        ("Olá! Como posso ajudar?", "Hello! How can I help?", False),
        ("Meu pedido não chegou", "My order has not arrived", False),
    ]
    assert {"en"} == {m["translation"]["language"] for m in messages}
    [call] = stand_in.calls
    assert (call.body["source"], call.body["target"], len(call.body["q"])) == ("pt", "en", 3)
    tclient.get(f"/api/v1/handoffs/{hid}", headers=SAM)
    with TestClient(create_app(translated_settings, clock=night, delivery_port_factory=port_factory(rasa))) as again:
        reloaded = again.get(f"/api/v1/handoffs/{hid}", headers=SAM).json()["messages"]
    assert reloaded[2]["translation"]["text"] == "My order has not arrived"
    assert len(stand_in.calls) == 1


def test_new_customer_message_is_translated_and_the_bot_sees_no_translation(
    tclient: TestClient, stand_in: TranslationStandIn
) -> None:
    """A relayed message is translated on the next read by the agent; the service key's view has none."""
    hid = claimed_by_sam(tclient)
    tclient.post(
        f"/api/v1/handoffs/{hid}/messages",
        json={"message_id": "m-1", "text": "Já faz duas semanas", "language": "pt"},
        headers=SERVICE,
    )
    last = tclient.get(f"/api/v1/handoffs/{hid}", headers=SAM).json()["messages"][-1]
    assert (last["text"], last["translation"]["text"]) == ("Já faz duas semanas", "[en] Já faz duas semanas")
    assert all(
        m["translation"] is None for m in tclient.get(f"/api/v1/handoffs/{hid}", headers=SERVICE).json()["messages"]
    )


def test_a_private_note_is_never_sent_to_the_provider(tclient: TestClient, stand_in: TranslationStandIn) -> None:
    """A note in the agent's words stays out of every provider call and has no translation."""
    hid = claimed_by_sam(tclient)
    note = "Customer 4111 1111 1111 1111 is upset, check the refund"
    assert tclient.post(f"/api/v1/handoffs/{hid}/notes", json={"text": note}, headers=SAM).status_code == 201
    messages = tclient.get(f"/api/v1/handoffs/{hid}", headers=SAM).json()["messages"]
    assert [m["translation"] for m in messages if m["private"]] == [None]
    assert stand_in.texts_sent() and all("refund" not in text for text in stand_in.texts_sent())


def test_preview_then_edited_reply_reaches_the_customer_and_keeps_both_texts(
    tclient: TestClient, stand_in: TranslationStandIn, rasa: RasaStandIn
) -> None:
    """Sam previews in English -> Portuguese, edits the translation, sends it with his original: the customer's
    channel receives the edited Portuguese, the transcript keeps both and says which one the customer saw."""
    hid = claimed_by_sam(tclient)
    preview = tclient.post(
        f"/api/v1/handoffs/{hid}/translate-preview", json={"text": "Let me check your order."}, headers=SAM
    ).json()
    assert preview == {
        "translated": "Vou verificar o seu pedido.",
        "source_language": "en",
        "target_language": "pt",
        "provider": "libretranslate",
        "needed": True,
        "failed": False,
    }
    edited = "Vou verificar o seu pedido agora."
    sent = tclient.post(
        f"/api/v1/handoffs/{hid}/replies",
        json={"text": edited, "original_text": "Let me check your order.", "original_language": "en"},
        headers=SAM,
    )
    assert sent.status_code == 201, sent.text
    ctx: ServiceContext = tclient.app.state.context  # type: ignore[attr-defined]
    assert deliver_due(ctx, tclient.app.state.delivery_port).sent == 1  # type: ignore[attr-defined]
    assert edited == rasa.calls[-1]["json"]["entities"]["agent_message"]
    reply = tclient.get(f"/api/v1/handoffs/{hid}", headers=SAM).json()["messages"][-1]
    assert (edited, "pt", "Let me check your order.", "en", None) == (
        reply["text"],
        reply["language"],
        reply["original_text"],
        reply["original_language"],
        reply["translation"],
    )


def test_an_agent_who_speaks_the_language_gets_no_translation(tclient: TestClient, night: FrozenClock) -> None:
    """María speaks Portuguese: no translation on her transcript, and her preview says none is needed."""
    night.now = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    created = portuguese_handoff(tclient)
    maria = agent("maria.garcia")
    tclient.post(f"/api/v1/handoffs/{created['id']}/claim", headers=maria)
    messages = tclient.get(f"/api/v1/handoffs/{created['id']}", headers=maria).json()["messages"]
    assert all(m["translation"] is None for m in messages)
    preview = tclient.post(f"/api/v1/handoffs/{created['id']}/translate-preview", json={"text": "Olá"}, headers=maria)
    assert (
        preview.json()["translated"],
        preview.json()["needed"],
        preview.json()["provider"],
    ) == ("Olá", False, "none")


def test_provider_down_shows_the_original_marked_and_loses_nothing(
    tclient: TestClient, stand_in: TranslationStandIn
) -> None:
    """503 from the provider: each line carries its original as translation with failed=true, the preview returns
    the text as written with failed=true, and nothing failed is stored (it is translated once the provider is back)."""
    hid = claimed_by_sam(tclient)
    stand_in.fail_with = 503
    messages = tclient.get(f"/api/v1/handoffs/{hid}", headers=SAM).json()["messages"]
    assert [(m["translation"]["text"], m["translation"]["failed"]) for m in messages[:1]] == [("Olá", True)]
    preview = tclient.post(f"/api/v1/handoffs/{hid}/translate-preview", json={"text": "One moment"}, headers=SAM)
    assert (
        preview.json()["translated"],
        preview.json()["failed"],
        preview.json()["needed"],
    ) == ("One moment", True, True)
    stand_in.fail_with = None
    messages = tclient.get(f"/api/v1/handoffs/{hid}", headers=SAM).json()["messages"]
    assert (messages[0]["translation"]["text"], messages[0]["translation"]["failed"]) == ("Hello", False)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "Oi", "original_text": "Hi"}, "original_text"),  # the language of the original is missing
        ({"text": "Oi", "original_language": "en"}, "original_language"),  # a language without the original
        ({"text": "Oi", "original_text": "Hi", "original_language": "xx"}, "original_language"),  # not a language
        ({"text": "Oi", "original_text": "", "original_language": "en"}, "original_text"),  # empty original
    ],
)
def test_bad_reply_originals_are_refused(tclient: TestClient, body: dict[str, str], field: str) -> None:
    """Every bad combination is a 422 naming the field, and nothing is stored."""
    hid = claimed_by_sam(tclient)
    before = len(tclient.get(f"/api/v1/handoffs/{hid}", headers=SAM).json()["messages"])
    response = tclient.post(f"/api/v1/handoffs/{hid}/replies", json=body, headers=SAM)
    assert response.status_code == 422
    assert field in response.json()["detail"]
    assert before == len(tclient.get(f"/api/v1/handoffs/{hid}", headers=SAM).json()["messages"])


@pytest.mark.parametrize(
    ("who", "handoff", "body", "status"),
    [
        ("li.wei", "mine", {"text": "hi"}, 403),  # not in his queues
        ("sam.okoro", "missing", {"text": "hi"}, 404),  # no such handoff
        ("sam.okoro", "mine", {"text": ""}, 422),  # nothing to translate
        ("sam.okoro", "mine", {"text": "x" * 8001}, 422),  # longer than a reply may be
    ],
)
def test_bad_previews_are_refused(
    tclient: TestClient, stand_in: TranslationStandIn, who: str, handoff: str, body: dict[str, str], status: int
) -> None:
    """Previews only for what the agent may see, with a text; no provider call for a refused one."""
    hid = claimed_by_sam(tclient) if handoff == "mine" else "no-such-handoff"
    calls = len(stand_in.calls)
    response = tclient.post(f"/api/v1/handoffs/{hid}/translate-preview", json=body, headers=agent(who))
    assert (status, calls) == (response.status_code, len(stand_in.calls))


def test_preview_needs_an_agent_token(tclient: TestClient) -> None:
    """The bot's service key cannot ask for previews."""
    hid = portuguese_handoff(tclient)["id"]
    assert (
        tclient.post(f"/api/v1/handoffs/{hid}/translate-preview", json={"text": "x"}, headers=SERVICE).status_code
        == 403
    )
