"""Inbound mail as plain data, replies in the same thread, and Mailgun's webhook signature (pure helpers)."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from bot.channels.inbound import PayloadError
from bot.channels.mail_compose import Thread, render, reply, reply_subject
from bot.channels.mail_parse import address_id, message_key, parse_mail
from bot.channels.mailgun import MailgunDelivery, mailgun_signature, parse_form, signature_problem


def mail(body: str = "Where is my order?", **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = headers.pop("From", "Ana Silva <Ana.Silva@Example.com>")
    message["To"] = "support@nimbus.test"
    message["Subject"] = headers.pop("Subject", "Order 12345")
    message["Message-ID"] = headers.pop("Message_ID", "<m1@example.com>")
    message.set_content(body)  # before the other headers: it replaces every Content-* header
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    return bytes(message)


def test_sender_ids_and_text_are_read() -> None:
    """The address is lower-cased, the ids kept in angle brackets, the text stripped of quote and signature."""
    parsed = parse_mail(
        mail(
            "Where is it?\n\nOn Mon, Support wrote:\n> old",
            In_Reply_To="<ours-1@nimbus.test>",
            References="<m0@example.com> <ours-1@nimbus.test>",
            Content_Language="pt-BR",
        )
    )

    assert (parsed.address, parsed.message_id, parsed.text) == (
        "ana.silva@example.com",
        "<m1@example.com>",
        "Where is it?",
    )
    assert (parsed.in_reply_to, parsed.language, parsed.skip) == ("<ours-1@nimbus.test>", "pt-BR", None)
    assert parsed.thread_references == ("<m0@example.com>", "<ours-1@nimbus.test>", "<m1@example.com>")


def test_reply_to_wins_and_the_address_is_the_platform_id() -> None:
    """Reply-To names where answers go; the platform id is that address, lower-cased; message keys are digests."""
    parsed = parse_mail(mail(Reply_To="Orders@Customer.example"))

    assert parsed.address == "orders@customer.example"
    assert address_id(" Orders@Customer.example ") == "orders@customer.example"
    assert "example" not in message_key(parsed.message_id)


def test_mail_without_message_id_gets_a_stable_one() -> None:
    """A second delivery of the same bytes gets the same derived id, so it is recognised."""
    raw = mail().replace(b"Message-ID: <m1@example.com>\n", b"")

    assert parse_mail(raw).message_id == parse_mail(raw).message_id
    assert parse_mail(raw).message_id.endswith("@nimbus.derived>")


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto_Submitted": "auto-replied"}, "Auto-Submitted: auto-replied"),  # RFC 3834 out-of-office
        ({"Precedence": "bulk"}, "Precedence: bulk"),  # newsletters
        ({"List_Id": "<news.example.com>"}, "mailing list"),
        ({"From": "MAILER-DAEMON@mx.example.com"}, "automated sender"),  # bounces
        ({"From": "Support <support@nimbus.test>"}, "our own address"),  # a loop through our own mailbox
        ({"Auto_Submitted": "no"}, None),  # explicitly a person
    ],
)
def test_mail_the_bot_must_not_answer(headers: dict[str, str], reason: str | None) -> None:
    """Auto-replies, bulk mail, bounces and our own mail are recognised, so no mail loop starts."""
    assert reason == parse_mail(mail(**headers), frozenset({"support@nimbus.test"})).skip


@pytest.mark.parametrize(
    "raw",
    [
        b"",  # nothing
        b"Subject: hi\n\nno sender",  # no From
        b"From: a@x.com, b@y.com\nSubject: hi\n\ntwo senders",  # ambiguous sender
        b"From: not an address\nSubject: hi\n\nbody",  # no valid address
    ],
)
def test_unusable_mail_is_a_payload_error(raw: bytes) -> None:
    """A mail without one valid sender cannot be answered."""
    with pytest.raises(PayloadError):
        parse_mail(raw)


def test_html_only_mail_becomes_safe_text() -> None:
    """An HTML-only mail's text has no script, style or quoted content."""
    message = EmailMessage()
    message["From"] = "li@example.cn"
    message["Subject"] = "退货"
    message["Message-ID"] = "<h1@example.cn>"
    message.set_content(
        "<p>我想<b>退货</b></p><script>alert(1)</script><blockquote>旧邮件</blockquote>", subtype="html"
    )

    assert parse_mail(bytes(message)).text == "我想退货"


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Order 12345", "Re: Order 12345"),
        ("RE: Re: AW: Order 12345", "Re: Order 12345"),  # stacked prefixes collapse
        ("Fwd: question", "Re: question"),
        ("", "Re: Your message"),
    ],
)
def test_reply_subject(subject: str, expected: str) -> None:
    """One `Re:` in front of the subject."""
    assert expected == reply_subject(subject)


def test_reply_is_in_the_thread() -> None:
    """In-Reply-To is the customer's latest mail, References its chain; the bot's answers are auto-replied."""
    thread = Thread("ana@example.com", "Order 12345", "<m2@example.com>", ("<m1@example.com>", "<m2@example.com>"))

    sent = reply(thread, "Support <support@nimbus.test>", ["Hello", "It ships today."], "nimbus.test", automatic=True)
    parsed = message_from_bytes(bytes(sent), policy=policy.default)

    assert (parsed["To"], parsed["Subject"], parsed["In-Reply-To"]) == (
        "ana@example.com",
        "Re: Order 12345",
        "<m2@example.com>",
    )
    assert parsed["References"] == "<m1@example.com> <m2@example.com>"
    assert parsed["Message-ID"].endswith("@nimbus.test>")
    assert parsed["Auto-Submitted"] == "auto-replied"
    assert parsed.get_content() == "Hello\n\nIt ships today.\n"
    agent = reply(thread, "Support <support@nimbus.test>", ["Hi, Ana here"], "nimbus.test", automatic=False)
    assert agent["Auto-Submitted"] is None


def test_render_lists_buttons_and_images() -> None:
    """Buttons become a list of what to answer; an image its URL."""
    message = {"text": "Anything else?", "buttons": [{"title": "Yes", "payload": "/affirm"}, {"title": "No"}]}

    assert render(message) == "Anything else?\n\n- Yes\n- No"
    assert render({"image": "https://x.test/a.png"}) == "https://x.test/a.png"


def test_mailgun_signature_as_documented() -> None:
    """hex HMAC-SHA256(signing key, timestamp + token); a wrong key, a stale timestamp or no key never pass."""
    key, timestamp, token = "mg-signing-key", "1770920772", "e0b5477167110d68991efc6b9f89f0a11066af27834600e123"
    good = MailgunDelivery(timestamp, token, mailgun_signature(key, timestamp, token), b"raw")
    now = float(timestamp) + 10

    assert signature_problem(key, good, now) == ""
    assert signature_problem("other-key", good, now) == "invalid signature"
    assert signature_problem(key, good, now + 3600) == "stale timestamp"
    assert signature_problem("", good, now) == "no signing key configured"
    assert signature_problem(key, MailgunDelivery(timestamp, token, "", b"raw"), now) == "missing signature"


def test_mailgun_form_needs_body_mime() -> None:
    """Only the raw-MIME route format is accepted."""
    assert parse_form({"body-mime": "raw", "timestamp": "1", "token": "t", "signature": "s"}).raw == b"raw"
    with pytest.raises(PayloadError):
        parse_form({"body-plain": "text", "timestamp": "1", "token": "t", "signature": "s"})


def test_attachments_are_noted_and_never_become_text() -> None:
    """An image attachment marks the mail as carrying an image; its bytes are not read as the customer's text."""
    message = EmailMessage()
    message["From"] = "ana@example.com"
    message["Message-ID"] = "<a1@example.com>"
    message.set_content("")
    message.add_attachment(b"\x89PNG fake", maintype="image", subtype="png", filename="photo.png")

    parsed = parse_mail(bytes(message))

    assert (parsed.text, parsed.attachment) == ("", "image")
    assert parse_mail(mail()).attachment is None
