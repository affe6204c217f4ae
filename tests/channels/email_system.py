"""The real system with the e-mail channel configured against a local SMTP relay (STARTTLS) and a local IMAP server
(implicit TLS), both with a throwaway certificate the channel trusts through its CA-file settings, plus
helpers to write mails as customers do. Used by the e-mail channel tests and the console's e-mail browser test."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any

import httpx
import pytest

from scripts.stack import KB_INDEX_DIR, MODEL_PATH, ROOT, Stack, StackConfig
from tests.e2e.client import SystemClient
from tests.stand_ins.certs import localhost_certificate
from tests.stand_ins.imap import ImapStandIn
from tests.stand_ins.smtp import SmtpStandIn

SUPPORT = "support@nimbus.test"
EMAIL_SECRETS = {
    "EMAIL_FROM_ADDRESS": f"Nimbus Support <{SUPPORT}>",
    "EMAIL_SMTP_SECURITY": "starttls",
    "EMAIL_SMTP_USERNAME": "mailer",
    "EMAIL_INGEST_SECRET": "email-ingest-secret",
    "EMAIL_MAILGUN_SIGNING_KEY": "mailgun-signing-key",
    "EMAIL_IMAP_SECURITY": "tls",
    "EMAIL_IMAP_USERNAME": "support",
    "EMAIL_IMAP_INTERVAL": "0.5",
}


@dataclass
class EmailSystem:
    """The running system, the relay our answers go to, and the mailbox customers write to."""

    client: SystemClient
    smtp: SmtpStandIn
    imap: ImapStandIn

    @property
    def stack(self) -> Stack:
        return self.client.stack

    @property
    def rasa(self) -> httpx.Client:
        return self.client.rasa

    def user_events(self, conversation_id: str) -> list[dict[str, Any]]:
        events = self.client.tracker(conversation_id).get("events") or []
        return [event for event in events if event.get("event") == "user"]

    def bot_texts(self, conversation_id: str) -> list[str]:
        events = self.client.tracker(conversation_id).get("events") or []
        return [event["text"] for event in events if event.get("event") == "bot" and event.get("text")]

    def log(self, name: str) -> str:
        return self.stack.service(name).log_path.read_text(encoding="utf-8", errors="replace")


def customer_mail(
    address: str,
    subject: str,
    text: str | None = None,
    *,
    html: str | None = None,
    in_reply_to: str | None = None,
    references: tuple[str, ...] = (),
    **headers: str,
) -> EmailMessage:
    """A mail as a customer's client writes it, with a fresh Message-ID."""
    message = EmailMessage()
    if text is not None:
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
    elif html is not None:
        message.set_content(html, subtype="html")
    message["From"] = f"Customer <{address}>"
    message["To"] = SUPPORT
    message["Subject"] = subject
    message["Date"] = formatdate()
    message["Message-ID"] = f"<{time.time_ns()}.{address.split('@')[0]}@customer.example>"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = " ".join(references)
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    return message


def unique_address(name: str) -> str:
    return f"{name}.{time.time_ns()}@customer.example"


@pytest.fixture(scope="session")
def email_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmailSystem]:
    """Rasa, actions, handoff service and the IMAP poller, configured for mail; relay and mailbox on local ports."""
    if not (MODEL_PATH.exists() and (KB_INDEX_DIR / "index.faiss").exists()):
        subprocess.run(["make", "-s", "train", "kb"], cwd=ROOT, check=True)
    data_dir: Path = tmp_path_factory.mktemp("email")
    certificate = localhost_certificate(data_dir / "tls")
    tls = certificate.server_context()
    with SmtpStandIn(tls=tls) as smtp, ImapStandIn(tls=tls) as imap:
        password_file = data_dir / "smtp-password"
        password_file.write_text(smtp.password + "\n", encoding="utf-8")
        extra_env = {
            **EMAIL_SECRETS,
            "EMAIL_SMTP_HOST": "127.0.0.1",
            "EMAIL_SMTP_PORT": str(smtp.port),
            "EMAIL_SMTP_PASSWORD_FILE": str(password_file),
            "EMAIL_SMTP_CA_FILE": str(certificate.cert_file),
            "EMAIL_IMAP_CA_FILE": str(certificate.cert_file),
            "EMAIL_IMAP_HOST": "127.0.0.1",
            "EMAIL_IMAP_PORT": str(imap.port),
            "EMAIL_IMAP_PASSWORD": imap.password,
        }
        config = StackConfig.throwaway(data_dir, "email", extra_env=extra_env)
        with Stack(config) as stack, SystemClient(stack) as client:
            yield EmailSystem(client, smtp, imap)
