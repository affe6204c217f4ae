"""Attachments: stored by content type with a size limit, listed and served safely, sent by agents, erased."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from handoff.adapters.delivery import deliver_due
from handoff.attachments.sniff import detect
from handoff.privacy.retention import purge_closed
from handoff.services.context import ServiceContext
from handoff.settings import Settings
from tests.handoff.attachment_files import EXE_AS_JPG, HTML_AS_JPG, pdf, png
from tests.handoff.testkit import ADMIN, SERVICE, FrozenClock, RasaStandIn, agent, handoff_body

CONVERSATION = "whatsapp:+34600000077"


def _claimed(client: TestClient) -> str:
    body = handoff_body(conversation_id=CONVERSATION, customer_id=CONVERSATION, channel="whatsapp", language="fr")
    handoff = client.post("/api/v1/handoffs", json={**body, "topic": "general"}, headers=SERVICE).json()
    client.post(f"/api/v1/handoffs/{handoff['id']}/claim", headers=agent("claire.dubois"))
    return str(handoff["id"])


def _from_customer(client: TestClient, content: bytes, name: str = "photo.jpg", message_id: str = "wamid.1"):
    return client.post(
        f"/api/v1/conversations/{CONVERSATION}/attachments",
        params={"message_id": message_id},
        content=content,
        headers={**SERVICE, "Content-Type": "image/jpeg", "X-Attachment-Filename": name},
    )


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),  # JPEG
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0d", "image/png"),  # PNG
        (b"GIF89a\x01\x00\x01\x00\x00\x00", "image/gif"),  # GIF
        (b"RIFF\x10\x00\x00\x00WEBP", "image/webp"),  # WebP
        (b"%PDF-1.7\n%\xe2\xe3\xcf", "application/pdf"),  # PDF
        (HTML_AS_JPG[:12], None),  # HTML whatever its name
        (EXE_AS_JPG[:12], None),  # a Windows executable
        (b"RIFF\x10\x00\x00\x00WAVE", None),  # RIFF but audio
        (b"", None),  # empty
    ],
)
def test_type_is_decided_by_the_first_bytes(head: bytes, expected: str | None) -> None:
    """Only the allowed signatures pass; the name and declared type play no part."""
    detected = detect(head)
    assert expected == (detected.mime_type if detected else None)


def test_customer_image_is_stored_0600_listed_and_served_safely(client: TestClient, settings: Settings) -> None:
    """A customer's PNG named .jpg is stored as PNG, gets a transcript line, and its signed link serves it inline
    with nosniff; a tampered link is refused."""
    handoff_id = _claimed(client)
    image = png()
    response = _from_customer(client, image)
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["attachment"]["mime_type"], created["attachment"]["filename"]) == ("image/png", "photo.png")
    assert created["message"]["message"]["text"] == "[image] photo.png"
    files = list((Path(settings.var_dir) / "attachments").iterdir())
    assert [image] == [f.read_bytes() for f in files]
    assert stat.S_IMODE(os.stat(files[0]).st_mode) == 0o600
    assert "photo" not in files[0].name
    listed = client.get(f"/api/v1/handoffs/{handoff_id}/attachments", headers=agent("claire.dubois")).json()
    assert [created["attachment"]["id"]] == [item["id"] for item in listed]
    served = client.get(listed[0]["url"])
    assert (served.status_code, served.content) == (200, image)
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-disposition"] == "inline; filename=\"photo.png\"; filename*=UTF-8''photo.png"
    tampered = listed[0]["url"][:-1] + ("0" if listed[0]["url"][-1] != "0" else "1")
    assert client.get(tampered).status_code == 403
    # The bot's relay of the same platform message later stores nothing twice.
    relay = {"message_id": "wamid.1", "text": "[image] 123"}
    assert client.post(f"/api/v1/conversations/{CONVERSATION}/messages", json=relay, headers=SERVICE).status_code == 200


@pytest.mark.parametrize("impostor", [HTML_AS_JPG, EXE_AS_JPG])
def test_a_jpg_that_is_html_or_an_exe_is_refused_with_a_message_in_the_customers_language(
    client: TestClient, settings: Settings, impostor: bytes
) -> None:
    """415, nothing on disk, nothing in the transcript, and a refusal the channel sends in French."""
    handoff_id = _claimed(client)
    response = _from_customer(client, impostor)
    assert response.status_code == 415
    assert response.json()["reason"] == "type"
    assert response.json()["customer_message"].startswith("Désolé")
    assert list((Path(settings.var_dir) / "attachments").iterdir()) == []
    texts = [m["text"] for m in client.get(f"/api/v1/handoffs/{handoff_id}", headers=SERVICE).json()["messages"]]
    assert not any(t.startswith("[") for t in texts)


def test_a_file_over_the_limit_is_refused_with_413(client: TestClient, settings: Settings) -> None:
    """Above HANDOFF_ATTACHMENT_MAX_BYTES: 413 and the customer's notice; nothing kept."""
    _claimed(client)
    big = png() + b"\x00" * settings.attachment_max_bytes
    response = _from_customer(client, big)
    assert response.status_code == 413
    assert "trop volumineux" in response.json()["customer_message"]
    assert list((Path(settings.var_dir) / "attachments").iterdir()) == []


def test_no_open_handoff_means_404_and_only_the_service_key_uploads(client: TestClient) -> None:
    """A conversation the bot still serves stores nothing; an agent token cannot speak for customers."""
    assert _from_customer(client, png()).status_code == 404
    _claimed(client)
    refused = client.post(
        f"/api/v1/conversations/{CONVERSATION}/attachments",
        params={"message_id": "x"},
        content=png(),
        headers=agent("claire.dubois"),
    )
    assert refused.status_code == 403


def test_agent_sends_a_pdf_delivered_with_its_signed_link(client: TestClient, rasa: RasaStandIn) -> None:
    """The owner's PDF becomes a reply whose delivery carries the link, type and name; the link serves the PDF as
    a download."""
    ctx: ServiceContext = client.app.state.context  # type: ignore[attr-defined]
    handoff_id = _claimed(client)
    document = pdf()
    response = client.post(
        f"/api/v1/handoffs/{handoff_id}/attachments",
        content=document,
        headers={**agent("claire.dubois"), "X-Attachment-Filename": "..%2F..%2Fetc%2Ffacture.PDF"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["attachment"]["filename"] == "facture.pdf"
    assert deliver_due(ctx, client.app.state.delivery_port).sent == 1  # type: ignore[attr-defined]
    entities = rasa.calls[0]["json"]["entities"]
    assert (entities["attachment_type"], entities["attachment_name"]) == ("file", "facture.pdf")
    served = client.get(entities["attachment_url"])
    assert (served.status_code, served.content) == (200, document)
    assert served.headers["content-disposition"] == "attachment; filename=\"facture.pdf\"; filename*=UTF-8''facture.pdf"
    other = client.post(f"/api/v1/handoffs/{handoff_id}/attachments", content=document, headers=agent("maria.garcia"))
    assert other.status_code in (403, 404)


def test_erasure_removes_the_customers_files(client: TestClient, settings: Settings) -> None:
    """Erasing the customer deletes every attachment row and file."""
    handoff_id = _claimed(client)
    assert _from_customer(client, png()).status_code == 201
    assert client.delete(f"/api/v1/customers/{CONVERSATION}", headers=ADMIN).status_code in (200, 202)  # Rasa pending
    assert list((Path(settings.var_dir) / "attachments").iterdir()) == []
    assert client.get(f"/api/v1/handoffs/{handoff_id}/attachments", headers=ADMIN).json() == []


def test_export_carries_the_files_and_retention_deletes_them(
    client: TestClient, settings: Settings, clock: FrozenClock
) -> None:
    """The customer's export has each file's bytes; a closed conversation past retention loses its files."""
    ctx: ServiceContext = client.app.state.context  # type: ignore[attr-defined]
    handoff_id = _claimed(client)
    image = png()
    assert _from_customer(client, image).status_code == 201
    exported = client.get(f"/api/v1/customers/{CONVERSATION}/export", headers=ADMIN).json()["attachments"]
    assert [(handoff_id, "photo.png", image)] == [
        (a["handoff_id"], a["filename"], base64.b64decode(a["content_base64"])) for a in exported
    ]
    closed = client.post(
        f"/api/v1/handoffs/{handoff_id}/close", json={"resolution": "done", "return_to_bot": True},
        headers=agent("claire.dubois"),
    )  # fmt: skip
    assert closed.status_code == 200, closed.text
    clock.advance(days=1)
    purge_closed(ctx, clock())
    assert list((Path(settings.var_dir) / "attachments").iterdir()) == []


def test_a_name_in_another_script_is_kept_and_served_with_an_ascii_fallback(client: TestClient) -> None:
    """A Cyrillic file name (percent-encoded in its header) survives; Content-Disposition stays valid ASCII."""
    handoff_id = _claimed(client)
    assert _from_customer(client, png(), name="%D1%84%D0%BE%D1%82%D0%BE.jpg").status_code == 201
    [listed] = client.get(f"/api/v1/handoffs/{handoff_id}/attachments", headers=agent("claire.dubois")).json()
    assert listed["filename"] == "фото.png"
    served = client.get(listed["url"])
    assert served.headers["content-disposition"] == (
        "inline; filename=\"____.png\"; filename*=UTF-8''%D1%84%D0%BE%D1%82%D0%BE.png"
    )


def test_a_file_the_channel_cut_at_its_limit_is_refused_not_stored(client: TestClient, settings: Settings) -> None:
    """`X-Attachment-Incomplete`: 413 with the customer's notice, even though the bytes sent fit the limit."""
    _claimed(client)
    response = client.post(
        f"/api/v1/conversations/{CONVERSATION}/attachments",
        params={"message_id": "wamid.cut"},
        content=png(),
        headers={**SERVICE, "X-Attachment-Incomplete": "true"},
    )
    assert (response.status_code, response.json()["reason"]) == (413, "too_large")
    assert not (Path(settings.var_dir) / "attachments").exists()  # refused before a byte was written
