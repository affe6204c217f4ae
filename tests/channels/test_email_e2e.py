"""The e-mail channel through the real processes: a local IMAP mailbox read by the poller, Mailgun's inbound webhook,
the bot and the KB, the handoff service and an agent, and a local SMTP relay receiving every answer."""

from __future__ import annotations

import os
import secrets
import signal
import sqlite3
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.channels.mail_parse import address_id, message_key
from bot.channels.mailgun import mailgun_signature
from bot.channels.signatures import hub_signature
from tests.channels.conftest import all_texts
from tests.channels.email_system import EMAIL_SECRETS, SUPPORT, EmailSystem, customer_mail, email_system, unique_address
from tests.e2e.client import Responses, claiming_agent, wait_until

__all__ = ["email_system"]  # the session fixture, imported so that pytest finds it here

pytestmark = pytest.mark.e2e


def conversation(address: str) -> str:
    return f"email:{address_id(address)}"


def body(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def test_kb_question_is_answered_by_mail_and_the_follow_up_stays_in_the_thread(email_system: EmailSystem) -> None:
    """A question from the mailbox is answered from the KB by SMTP as `Re:` in its thread; the customer's reply,
    with the quoted answer and a signature, reaches the bot as their new words only and is answered in the thread."""
    address = unique_address("ana")
    question = customer_mail(address, "Shipping", "How long does shipping take?\n\n-- \nAna Silva\nACME Trading Ltd.")
    email_system.imap.append(bytes(question))

    [answer] = email_system.smtp.wait_for(address)

    conversation_id = conversation(address)
    assert email_system.client.tracker(conversation_id)["slots"]["kb_last_article"] == "shipping-times"
    assert [event["text"] for event in email_system.user_events(conversation_id)] == ["How long does shipping take?"]
    first = answer.message
    assert (first["Subject"], first["In-Reply-To"], first["References"]) == (
        "Re: Shipping",
        question["Message-ID"],
        question["Message-ID"],
    )
    assert SUPPORT in first["From"] and first["Auto-Submitted"] == "auto-replied"
    assert answer.login == "mailer"  # logged in with the password from EMAIL_SMTP_PASSWORD_FILE
    bot_texts = email_system.bot_texts(conversation_id)
    assert bot_texts and all(text.strip() in body(first) for text in bot_texts)

    follow_up = customer_mail(
        address,
        "Re: Shipping",
        "Thanks! Can I return an item I bought?\n\n"
        f"On Mon, 7 Dec 2026 at 10:00, Nimbus Support <{SUPPORT}> wrote:\n"
        + "".join(f"> {line}\n" for line in body(first).splitlines())
        + "\nSent from my iPhone\n",
        in_reply_to=first["Message-ID"],
        references=(question["Message-ID"], first["Message-ID"]),
    )
    email_system.imap.append(bytes(follow_up))

    second = email_system.smtp.wait_for(address, count=2)[1].message

    assert [event["text"] for event in email_system.user_events(conversation_id)][-1] == (
        "Thanks! Can I return an item I bought?"
    )
    assert (second["Subject"], second["In-Reply-To"]) == ("Re: Shipping", follow_up["Message-ID"])
    assert second["References"].split() == [question["Message-ID"], first["Message-ID"], follow_up["Message-ID"]]


def test_html_only_mail_is_read_as_safe_text(email_system: EmailSystem) -> None:
    """An HTML-only mail reaches the bot as its visible text: no script, style or quoted history."""
    address = unique_address("li")
    html = (
        "<html><head><style>p{color:red}</style><script>alert('x')</script></head><body>"
        "<p>How long does <b>shipping</b> take?</p><img src=x onerror=alert(1)>"
        "<blockquote>On Monday you wrote: old text</blockquote></body></html>"
    )
    email_system.imap.append(bytes(customer_mail(address, "Question", html=html)))

    email_system.smtp.wait_for(address)

    [event] = email_system.user_events(conversation(address))
    assert event["text"] == "How long does shipping take?"


def test_handoff_by_mail_and_the_agents_reply_goes_out_in_the_thread(email_system: EmailSystem) -> None:
    """A request for a person hands off (channel `email`, the address as platform id); the agent's reply through the
    handoff API goes out by SMTP answering the customer's latest mail, and the customer's next mail reaches the
    agent."""
    address = unique_address("omar")
    request = customer_mail(address, "Need help", "I want to talk to a real person")
    email_system.imap.append(bytes(request))
    email_system.smtp.wait_for(address)  # the bot says the team will answer

    conversation_id = conversation(address)
    [listed] = wait_until(lambda: email_system.client.handoffs_for(conversation_id) or None)
    record = email_system.client.handoff_record(listed["id"])
    assert (record["channel"], record["conversation_id"]) == ("email", f"email:{address}")
    agent = claiming_agent(email_system.stack.config.handoff_url, record)
    try:
        agent.reply(record["id"], "Hello Omar, this is Sam. I have your order in front of me.")

        mails = email_system.smtp.wait_for(address, count=2)
        reply = mails[1].message
        assert body(reply).strip() == "Hello Omar, this is Sam. I have your order in front of me."
        assert (reply["Subject"], reply["In-Reply-To"]) == ("Re: Need help", request["Message-ID"])
        assert reply["Auto-Submitted"] is None  # a person wrote it

        answer = customer_mail(
            address,
            "Re: Need help",
            "Order 48213, thank you",
            in_reply_to=reply["Message-ID"],
            references=(request["Message-ID"], reply["Message-ID"]),
        )
        email_system.imap.append(bytes(answer))
        wait_until(lambda: "Order 48213, thank you" in str(agent.handoff(record["id"])["messages"]), timeout=60)
        assert len(email_system.smtp.to(address)) == 2  # in human mode the bot does not answer
        for process in ("rasa", "actions", "handoff", "email-poller"):
            assert address not in email_system.log(process), f"the {process} log names the customer"
    finally:
        agent.close()


def test_refused_agent_reply_fails_loudly_without_the_address_in_the_log(email_system: EmailSystem) -> None:
    """A relay's permanent refusal fails the agent reply's delivery (so the handoff service reports it), and the
    address the relay echoes does not reach Rasa's log."""
    address = unique_address("gone")
    post_signed(email_system, bytes(customer_mail(address, "Hi", "How long does shipping take?")))
    email_system.smtp.wait_for(address)
    email_system.smtp.refused.add(address)

    answer = email_system.rasa.post(
        f"/conversations/{conversation(address)}/trigger_intent",
        params={"output_channel": "email", "token": email_system.client.token},
        json={"name": "agent_reply", "entities": {"agent_message": "Are you still there?"}},
    )

    assert answer.status_code >= 500
    assert len(email_system.smtp.to(address)) == 1
    assert address not in email_system.log("rasa")
    assert "(status 550)" in email_system.log("rasa")


def test_poller_killed_mid_batch_loses_nothing_and_repeats_nothing(email_system: EmailSystem) -> None:
    """The poller is killed while fetching the second of three mails; after a restart the second and third are
    answered, the first is not fetched again, and every customer gets exactly one answer. With its state file lost
    it posts everything again, and the channel's record of Message-IDs keeps the bot from answering twice."""
    poller = email_system.stack.service("email-poller")
    poller.stop()
    addresses = [unique_address(f"batch{number}") for number in (1, 2, 3)]
    uids = [
        email_system.imap.append(bytes(customer_mail(a, "Hello", "How long does shipping take?"))) for a in addresses
    ]
    held = email_system.imap.hold_fetch(uids[1])
    try:
        poller.start()
        email_system.smtp.wait_for(addresses[0])
        wait_until(lambda: email_system.imap.fetches(uids[1]) == 1)
        assert poller.process is not None
        os.killpg(poller.process.pid, signal.SIGKILL)
        poller.process.wait(timeout=10)
        held.set()

        poller.start()
        for address in addresses:
            email_system.smtp.wait_for(address)
        assert [email_system.imap.fetches(uid) for uid in uids] == [1, 2, 1]

        poller.stop()
        state_file = Path(email_system.stack.services[0].env["EMAIL_IMAP_STATE_PATH"])
        state_file.unlink()
        poller.start()
        every_mail = {mail.uid: "duplicate" for mail in email_system.imap.mails}  # earlier tests' mails too
        wait_until(lambda: outcomes(state_file) == every_mail or None, timeout=30)
        assert [len(email_system.smtp.to(address)) for address in addresses] == [1, 1, 1]
        assert [len(email_system.user_events(conversation(address))) for address in addresses] == [1, 1, 1]
    finally:
        held.set()
        if poller.process is None or poller.exited() is not None:
            poller.start()


def outcomes(state_file: Path) -> dict[int, str]:
    if not state_file.exists():
        return {}
    with sqlite3.connect(state_file) as connection:
        return {int(uid): str(outcome) for uid, outcome in connection.execute("SELECT uid, outcome FROM handled")}


def mailgun_post(
    system: EmailSystem, raw: bytes, *, key: str | None = None, timestamp: float | None = None, token: str = ""
) -> httpx.Response:
    """A Mailgun raw-MIME route delivery, signed with `key` (the configured one by default), as multipart form."""
    token = token or secrets.token_hex(25)
    stamp = str(int(timestamp if timestamp is not None else time.time()))
    signing_key = EMAIL_SECRETS["EMAIL_MAILGUN_SIGNING_KEY"] if key is None else key
    fields = {
        "recipient": SUPPORT,
        "sender": "bounce@customer.example",
        "timestamp": stamp,
        "token": token,
        "signature": mailgun_signature(signing_key, stamp, token) if signing_key else "",
        "body-mime": raw.decode("utf-8"),
    }
    files: Any = {"attachment-count": (None, "0")}  # forces multipart/form-data, as Mailgun sends with attachments
    return system.rasa.post("/webhooks/email/mailgun/mime", data=fields, files=files)


def test_mailgun_webhook_with_a_valid_signature_is_answered(email_system: EmailSystem) -> None:
    """A signed Mailgun delivery reaches the bot and is answered by SMTP; the same token again is a replay."""
    address = unique_address("mg")
    raw = bytes(customer_mail(address, "Via Mailgun", "How long does shipping take?"))
    token = secrets.token_hex(25)

    answered = mailgun_post(email_system, raw, token=token)
    replayed = mailgun_post(email_system, raw, token=token)

    assert (answered.status_code, answered.json()["status"]) == (200, "ok")
    assert replayed.status_code == 403
    email_system.smtp.wait_for(address)
    assert len(email_system.user_events(conversation(address))) == 1


@pytest.mark.parametrize(
    ("key", "age", "status"),
    [
        ("someone-elses-key", 0, 403),  # signed with another key
        ("", 0, 401),  # no signature at all
        (None, 3600, 403),  # a captured delivery replayed an hour later
    ],
)
def test_mailgun_webhook_with_a_bad_signature_reaches_nobody(
    email_system: EmailSystem, key: str | None, age: float, status: int
) -> None:
    """Forged, unsigned or stale deliveries are refused and the bot never sees them."""
    address = unique_address("forged")
    raw = bytes(customer_mail(address, "Forged", "How long does shipping take?"))

    answer = mailgun_post(email_system, raw, key=key, timestamp=time.time() - age)

    assert answer.status_code == status
    assert email_system.user_events(conversation(address)) == []


def test_mailgun_delivery_without_the_raw_message_gets_406(email_system: EmailSystem) -> None:
    """A route not set to raw MIME gets 406, which tells Mailgun not to retry."""
    answer = email_system.rasa.post("/webhooks/email/mailgun/mime", data={"body-plain": "hi", "token": "t"})

    assert answer.status_code == 406
    assert "body-mime" in answer.json()["error"]


@pytest.mark.parametrize(
    ("signature", "status"),
    [
        (None, 401),  # the poller always signs; anything else is refused
        ("sha256=" + "0" * 64, 403),
    ],
)
def test_ingest_route_needs_the_pollers_signature(
    email_system: EmailSystem, signature: str | None, status: int
) -> None:
    """Only the poller, with the launcher's secret, can post raw mail to the channel."""
    address = unique_address("direct")
    raw = bytes(customer_mail(address, "Direct", "How long does shipping take?"))
    headers = {"X-Nimbus-Email-Signature": signature} if signature else {}

    assert email_system.rasa.post("/webhooks/email/inbound", content=raw, headers=headers).status_code == status
    assert email_system.user_events(conversation(address)) == []


def test_auto_replies_are_not_answered_and_bad_mail_gets_400(email_system: EmailSystem) -> None:
    """An out-of-office reply is skipped (no mail loop); a mail without a sender is refused with 400."""
    address = unique_address("ooo")
    auto = bytes(customer_mail(address, "Out of office", "I am away until Monday.", Auto_Submitted="auto-replied"))
    person = bytes(customer_mail(address, "Question", "How long does shipping take?"))

    skipped = post_signed(email_system, auto)
    assert (skipped.status_code, skipped.json()["status"]) == (200, "skipped")
    assert post_signed(email_system, person).status_code == 200
    assert post_signed(email_system, b"Subject: nobody\r\n\r\nno sender").status_code == 400

    email_system.smtp.wait_for(address)
    assert [event["text"] for event in email_system.user_events(conversation(address))] == [
        "How long does shipping take?"
    ]
    assert len(email_system.smtp.to(address)) == 1


def test_image_without_text_gets_the_polite_media_answer(email_system: EmailSystem, responses: Responses) -> None:
    """A mail with only a photo reaches the bot as /share_media with the attachment's kind, and is answered."""
    address = unique_address("photo")
    message = customer_mail(address, "Photo", "")
    message.add_attachment(b"\x89PNG\r\n\x1a\n fake", maintype="image", subtype="png", filename="damaged.png")

    assert post_signed(email_system, bytes(message)).status_code == 200

    [answer] = email_system.smtp.wait_for(address)
    [event] = email_system.user_events(conversation(address))
    # The id names the mail (a digest), so that during a handoff the channel can hand its file to the agent.
    expected = {"type": "image", "id": message_key(str(message["Message-ID"]))}
    assert (event["text"], event["metadata"]["attachment"]) == ("/share_media", expected)
    assert any(text.strip() in body(answer.message) for text in all_texts(responses, "utter_media_unsupported"))


def post_signed(system: EmailSystem, raw: bytes) -> httpx.Response:
    """What the poller sends."""
    signature = hub_signature(EMAIL_SECRETS["EMAIL_INGEST_SECRET"], raw)
    return system.rasa.post("/webhooks/email/inbound", content=raw, headers={"X-Nimbus-Email-Signature": signature})
