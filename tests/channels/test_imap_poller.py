"""The IMAP poller against a real IMAP server (the stand-in, over TCP): order, watermark, failures, restarts.

The channel is replaced by a recording function here (the end-to-end tests in test_email_e2e.py post to the real
Rasa server)."""

from __future__ import annotations

import imaplib
import ssl
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from bot.channels.imap_poller import IngestError, PollerSettings, poll_once, reduced
from bot.channels.imap_state import PollState
from scripts.stack import StackConfig, build_services
from tests.stand_ins.certs import localhost_certificate
from tests.stand_ins.imap import ImapStandIn


def mail(number: int, size: int = 0) -> bytes:
    message = EmailMessage()
    message["From"] = f"customer{number}@example.com"
    message["Subject"] = f"Question {number}"
    message["Message-ID"] = f"<q{number}@example.com>"
    message.set_content(f"Question number {number}")
    if size:
        message.add_attachment(b"\0" * size, maintype="application", subtype="octet-stream", filename="big.bin")
    return bytes(message)


class Channel:
    """Records what was posted; can be told to fail."""

    def __init__(self) -> None:
        self.posted: list[bytes] = []
        self.failures: list[IngestError] = []
        self.fail_on = b""  # fail only for a mail containing these bytes (any mail when empty)

    def __call__(self, raw: bytes) -> str:
        if self.failures and self.fail_on in raw:
            raise self.failures.pop(0)
        self.posted.append(raw)
        return "ok"

    def subjects(self) -> list[str]:
        return [str(message_from_bytes(raw, policy=policy.default)["Subject"]) for raw in self.posted]


@pytest.fixture
def imap() -> Iterator[ImapStandIn]:
    with ImapStandIn() as server:
        yield server


@pytest.fixture
def settings(imap: ImapStandIn, tmp_path: Path) -> PollerSettings:
    return PollerSettings(
        host="127.0.0.1",
        port=imap.port,
        security="none",
        username=imap.username,
        password=imap.password,
        ingest_url="http://unused.invalid/",
        ingest_secret="unused",
        state_path=str(tmp_path / "imap.sqlite3"),
        timeout_seconds=5.0,
    )


def test_new_mail_is_handed_on_once_in_uid_order(imap: ImapStandIn, settings: PollerSettings) -> None:
    """Each mail is posted once, oldest first, flagged seen; the next pass finds nothing new."""
    uids = [imap.append(mail(number)) for number in (1, 2, 3)]
    state, channel = PollState(settings.state_path), Channel()

    first = poll_once(settings, state, channel)
    second = poll_once(settings, state, channel)

    assert (first.handed, second.handed) == (3, 0)
    assert channel.subjects() == ["Question 1", "Question 2", "Question 3"]
    assert all(imap.seen(uid) and imap.fetches(uid) == 1 for uid in uids)
    assert {uid: "ok" for uid in uids} == state.outcomes("INBOX")


def test_a_failed_hand_over_stops_the_pass_and_is_retried(imap: ImapStandIn, settings: PollerSettings) -> None:
    """A channel outage on mail 2 leaves 2 and 3 for the next pass; mail 1 is not handed on again."""
    one, two, three = (imap.append(mail(number)) for number in (1, 2, 3))
    state, channel = PollState(settings.state_path), Channel()
    channel.failures, channel.fail_on = [IngestError("channel unreachable", retryable=True)], b"Question 2"

    first = poll_once(settings, state, channel)
    assert (first.handed, first.stopped is not None) == (1, True)
    assert not imap.seen(two)

    second = poll_once(settings, state, channel)

    assert second.handed == 2
    assert channel.subjects() == ["Question 1", "Question 2", "Question 3"]
    assert (imap.fetches(one), imap.fetches(two), imap.fetches(three)) == (1, 2, 1)


def test_a_refused_mail_is_recorded_and_skipped(imap: ImapStandIn, settings: PollerSettings) -> None:
    """A 4xx refusal is permanent: recorded, flagged seen, and the mails after it still go."""
    imap.append(mail(1))
    imap.append(mail(2))
    state, channel = PollState(settings.state_path), Channel()
    channel.failures = [IngestError("channel answered 400", retryable=False)]

    report = poll_once(settings, state, channel)

    assert (report.handed, report.rejected) == (1, 1)
    assert state.outcomes("INBOX") == {1: "rejected: channel answered 400", 2: "ok"}


def test_restart_resumes_above_the_watermark(imap: ImapStandIn, settings: PollerSettings) -> None:
    """A new poller process (new state object on the same file) hands on only the mail that arrived since."""
    imap.append(mail(1))
    poll_once(settings, PollState(settings.state_path), Channel())
    imap.append(mail(2))

    restarted = Channel()
    poll_once(settings, PollState(settings.state_path), restarted)

    assert restarted.subjects() == ["Question 2"]
    assert imap.fetches(1) == 1


def test_a_renumbered_mailbox_is_read_again(imap: ImapStandIn, settings: PollerSettings) -> None:
    """A new UIDVALIDITY invalidates the watermark (the channel's Message-ID record drops what it saw)."""
    imap.append(mail(1))
    state = PollState(settings.state_path)
    poll_once(settings, state, Channel())
    imap.uidvalidity += 1

    again = Channel()
    poll_once(settings, state, again)

    assert again.subjects() == ["Question 1"]


def test_wrong_password_fails_the_pass(imap: ImapStandIn, settings: PollerSettings) -> None:
    """The server's refusal surfaces as an IMAP error, and the password is not in the server's record."""
    wrong = PollerSettings(**{**settings.__dict__, "password": "nope"})

    with pytest.raises(imaplib.IMAP4.error):
        poll_once(wrong, PollState(settings.state_path), Channel())
    assert not any("nope" in command for command in imap.commands)


def test_large_mail_is_reduced_to_its_text() -> None:
    """Attachments are dropped from a mail too big for the webhook; headers and text stay."""
    raw = mail(7, size=200_000)

    slim = message_from_bytes(reduced(raw), policy=policy.default)

    assert len(reduced(raw)) < 60_000
    assert (slim["Message-ID"], str(slim["Subject"])) == ("<q7@example.com>", "Question 7")
    assert "Question number 7" in slim.get_content()
    assert reduced(mail(8)) == mail(8)


@pytest.mark.parametrize(
    ("environ", "problem"),
    [
        ({}, "EMAIL_IMAP_HOST"),
        ({"EMAIL_IMAP_HOST": "imap.test"}, "EMAIL_INGEST_SECRET"),
        ({"EMAIL_IMAP_HOST": "imap.test", "EMAIL_INGEST_SECRET": "s", "EMAIL_IMAP_SECURITY": "ssl3"}, "SECURITY"),
    ],
)
def test_settings_fail_fast(environ: dict[str, str], problem: str) -> None:
    """Missing or wrong settings stop the poller at start with the variable's name."""
    with pytest.raises(ValueError, match=problem):
        PollerSettings.from_environ(environ)


def test_settings_defaults_and_secret_file(tmp_path: Path) -> None:
    """Implicit TLS on 993 by default; the password may come from a file; it never shows in repr."""
    secret_file = tmp_path / "imap-password"
    secret_file.write_text("s3cret\n", encoding="utf-8")

    settings = PollerSettings.from_environ(
        {
            "EMAIL_IMAP_HOST": "imap.test",
            "EMAIL_INGEST_SECRET": "x",
            "EMAIL_IMAP_PASSWORD_FILE": str(secret_file),
            "RASA_URL": "http://127.0.0.1:5999",
        }
    )

    assert (settings.port, settings.security, settings.password) == (993, "tls", "s3cret")
    assert settings.ingest_url == "http://127.0.0.1:5999/webhooks/email/inbound"
    assert "s3cret" not in repr(settings)


def test_implicit_tls_trusts_only_the_configured_ca(tmp_path: Path) -> None:
    """Over TLS the poller checks the server's certificate: unknown CA refused, the configured CA file accepted."""
    certificate = localhost_certificate(tmp_path / "tls")
    with ImapStandIn(tls=certificate.server_context()) as server:
        server.append(mail(1))
        settings = PollerSettings(
            host="127.0.0.1",
            port=server.port,
            security="tls",
            username=server.username,
            password=server.password,
            ingest_url="http://unused.invalid/",
            ingest_secret="unused",
            state_path=str(tmp_path / "imap.sqlite3"),
            timeout_seconds=5.0,
        )
        with pytest.raises(ssl.SSLCertVerificationError):
            poll_once(settings, PollState(settings.state_path), Channel())

        channel = Channel()
        trusted = PollerSettings(**{**settings.__dict__, "ca_file": str(certificate.cert_file)})
        assert poll_once(trusted, PollState(settings.state_path), channel).handed == 1
        assert channel.subjects() == ["Question 1"]


def test_launcher_starts_the_poller_only_for_a_configured_mailbox(tmp_path: Path) -> None:
    """`make run` starts no poller without `EMAIL_IMAP_HOST`; with it, one whose secrets are in its environment
    (never its command line) and whose state lives in the data directory."""
    plain = build_services(StackConfig.throwaway(tmp_path, "mail", extra_env={"EMAIL_IMAP_HOST": ""}))
    configured = build_services(StackConfig.throwaway(tmp_path, "mail", extra_env={"EMAIL_IMAP_HOST": "imap.test"}))

    assert "email-poller" not in [service.name for service in plain]
    [poller] = [service for service in configured if service.name == "email-poller"]
    assert poller.command[-2:] == ["-m", "bot.channels.imap_poller"]
    assert poller.env["EMAIL_IMAP_STATE_PATH"] == str(tmp_path / "email_imap.sqlite3")
    assert poller.env["EMAIL_INGEST_SECRET"] not in " ".join(poller.command)
    rasa = next(service for service in configured if service.name == "rasa")
    assert rasa.env["EMAIL_INGEST_SECRET"] == poller.env["EMAIL_INGEST_SECRET"]
