"""The IMAP poller: a small process that hands each new mail of a mailbox to the e-mail channel, once.

`python -m bot.channels.imap_poller` (the launcher starts it when `EMAIL_IMAP_HOST` is set). Every
`EMAIL_IMAP_INTERVAL` seconds it logs in, selects the mailbox, asks for the UIDs above its watermark
(`bot/channels/imap_state.py`), and for each, oldest first: fetches the message without marking it read, posts it
signed to the Rasa server's `/webhooks/email/inbound`, records the outcome and then flags it `\\Seen`. A failure
the channel may get over (no answer, 5xx, 429) ends the pass and the same mail is tried next time; a refusal (4xx)
is recorded and logged, so one bad mail never holds up the mailbox. Standard library only, so it runs in either
environment. Neither credentials nor addresses are logged.
"""

from __future__ import annotations

import argparse
import contextlib
import imaplib
import logging
import os
import re
import signal
import ssl
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from types import FrameType

from bot.channels.imap_state import PollState
from bot.channels.mail_text import html_to_text
from bot.channels.secret_values import secret
from bot.channels.signatures import hub_signature

logger = logging.getLogger("bot.channels.imap_poller")

SIGNATURE_HEADER = "X-Nimbus-Email-Signature"
DEFAULT_PORTS = {"tls": 993, "starttls": 143, "none": 143}
# Below Rasa's default webhook body limit, with room for the headers.
MAX_POST_BYTES = 60_000
# Headers the channel reads; a reduced message keeps only these.
KEPT_HEADERS = (
    "From", "Reply-To", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
    "Content-Language", "Auto-Submitted", "Precedence", "List-Id", "List-Unsubscribe", "X-Autoreply", "X-Autorespond",
)  # fmt: skip
_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")


class IngestError(RuntimeError):
    """The channel did not take a mail; `retryable` when trying again later may help."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class PollerSettings:
    """The poller's configuration, from `EMAIL_IMAP_*` and `EMAIL_INGEST_*` variables."""

    host: str
    ingest_url: str
    ingest_secret: str
    port: int = 993
    security: str = "tls"
    username: str = ""
    password: str = ""
    mailbox: str = "INBOX"
    interval_seconds: float = 30.0
    state_path: str = "var/email_imap.sqlite3"
    ca_file: str = ""
    timeout_seconds: float = 30.0

    def __repr__(self) -> str:
        return f"PollerSettings(host={self.host!r}, port={self.port}, mailbox={self.mailbox!r})"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> PollerSettings:
        """The settings; `ValueError` with the variable's name when one is missing or wrong."""
        host = environ.get("EMAIL_IMAP_HOST", "")
        if not host:
            raise ValueError("EMAIL_IMAP_HOST is not set")
        security = (environ.get("EMAIL_IMAP_SECURITY") or "tls").lower()
        if security not in DEFAULT_PORTS:
            raise ValueError("EMAIL_IMAP_SECURITY must be tls, starttls or none")
        rasa_url = environ.get("RASA_URL", "http://127.0.0.1:5005").rstrip("/")
        ingest_secret = environ.get("EMAIL_INGEST_SECRET", "")
        if not ingest_secret:
            raise ValueError("EMAIL_INGEST_SECRET is not set (the launcher sets one)")
        return cls(
            host=host,
            port=int(environ.get("EMAIL_IMAP_PORT") or DEFAULT_PORTS[security]),
            security=security,
            username=environ.get("EMAIL_IMAP_USERNAME", ""),
            password=secret(environ.get("EMAIL_IMAP_PASSWORD", ""), environ.get("EMAIL_IMAP_PASSWORD_FILE", "")),
            mailbox=environ.get("EMAIL_IMAP_MAILBOX") or "INBOX",
            interval_seconds=float(environ.get("EMAIL_IMAP_INTERVAL") or 30.0),
            state_path=environ.get("EMAIL_IMAP_STATE_PATH") or "var/email_imap.sqlite3",
            ca_file=environ.get("EMAIL_IMAP_CA_FILE", ""),
            ingest_url=environ.get("EMAIL_INGEST_URL") or f"{rasa_url}/webhooks/email/inbound",
            ingest_secret=ingest_secret,
        )


def reduced(raw: bytes, max_bytes: int = MAX_POST_BYTES) -> bytes:
    """`raw` as is when small enough, else a message of its threading headers and text bodies only (attachments and
    inline images dropped; the HTML too when still too big, turned into the plain body if there was none)."""
    if len(raw) <= max_bytes:
        return raw
    original = message_from_bytes(raw, policy=policy.default)
    if not isinstance(original, EmailMessage):  # pragma: no cover - the default policy always builds one
        return raw
    plain_part = original.get_body(preferencelist=("plain",))
    html_part = original.get_body(preferencelist=("html",))
    plain = str(plain_part.get_content()) if isinstance(plain_part, EmailMessage) else ""
    html = str(html_part.get_content()) if isinstance(html_part, EmailMessage) else ""
    slim = EmailMessage()
    for name in KEPT_HEADERS:
        for value in original.get_all(name) or []:
            slim[name] = value
    slim.set_content(plain or html_to_text(html) or " ")
    if html and plain and len(html.encode("utf-8")) + len(plain.encode("utf-8")) < max_bytes - 4096:
        slim.add_alternative(html, subtype="html")
    return bytes(slim)


def post_mail(url: str, ingest_secret: str, raw: bytes, timeout: float = 60.0) -> str:
    """Posts one message to the channel; its status ("ok", "duplicate", "skipped") or `IngestError`."""
    request = urllib.request.Request(
        url,
        data=raw,
        method="POST",
        headers={"Content-Type": "message/rfc822", SIGNATURE_HEADER: hub_signature(ingest_secret, raw)},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            body = answer.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as error:
        retryable = error.code >= 500 or error.code in (408, 425, 429)
        raise IngestError(f"channel answered {error.code}", retryable=retryable) from error
    except (urllib.error.URLError, OSError) as error:
        raise IngestError(f"channel unreachable: {type(error).__name__}", retryable=True) from error
    found = re.search(r'"status"\s*:\s*"(\w+)"', body)
    return found.group(1) if found else "ok"


def connect(settings: PollerSettings) -> imaplib.IMAP4:
    """A logged-in IMAP connection."""
    context = ssl.create_default_context(cafile=settings.ca_file or None)
    imap: imaplib.IMAP4
    if settings.security == "tls":
        imap = imaplib.IMAP4_SSL(settings.host, settings.port, ssl_context=context, timeout=settings.timeout_seconds)
    else:
        imap = imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout_seconds)
        if settings.security == "starttls":
            imap.starttls(ssl_context=context)
    if settings.username:
        imap.login(settings.username, settings.password)
    return imap


@dataclass
class PassReport:
    """What one pass did."""

    handed: int = 0
    rejected: int = 0
    stopped: str | None = None  # why the pass ended early


def poll_once(
    settings: PollerSettings,
    state: PollState,
    post: Callable[[bytes], str],
    open_imap: Callable[[PollerSettings], imaplib.IMAP4] = connect,
) -> PassReport:
    """Hands every mail above the watermark to `post`, in UID order, recording each outcome."""
    report = PassReport()
    imap = open_imap(settings)
    try:
        status, _ = imap.select(settings.mailbox)
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot select mailbox {settings.mailbox!r}")
        uidvalidity = _uidvalidity(imap)
        last = state.last_uid(settings.mailbox, uidvalidity)
        status, data = imap.uid("SEARCH", f"UID {last + 1}:*")
        if status != "OK":
            raise imaplib.IMAP4.error("UID SEARCH failed")
        uids = sorted(int(uid) for uid in (data[0] or b"").split() if int(uid) > last)
        for uid in uids:
            raw = _fetch(imap, uid)
            try:
                outcome = post(reduced(raw))
            except IngestError as error:
                if error.retryable:
                    report.stopped = str(error)
                    logger.warning("Mail UID %d not handed on (%s); trying again next pass", uid, error)
                    break
                outcome = f"rejected: {error}"
                report.rejected += 1
                logger.warning("Mail UID %d refused by the channel (%s); skipped", uid, error)
            else:
                report.handed += 1
            state.record(settings.mailbox, uidvalidity, uid, outcome)
            imap.uid("STORE", str(uid), "+FLAGS", "(\\Seen)")
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            imap.logout()
    return report


def _uidvalidity(imap: imaplib.IMAP4) -> int:
    _, values = imap.response("UIDVALIDITY")
    for value in values or []:
        if value:
            return int(value)
    status, data = imap.status("INBOX", "(UIDVALIDITY)")
    found = _UIDVALIDITY.search(data[0] if status == "OK" and data and isinstance(data[0], bytes) else b"")
    return int(found.group(1)) if found else 0


def _fetch(imap: imaplib.IMAP4, uid: int) -> bytes:
    status, data = imap.uid("FETCH", str(uid), "(BODY.PEEK[])")
    if status == "OK":
        for item in data:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
                return item[1]
    raise imaplib.IMAP4.error(f"UID FETCH {uid} returned no message")


def run(settings: PollerSettings, stop: threading.Event) -> None:
    """Polls until `stop` is set; a failed pass is logged and the next one comes after the interval."""
    state = PollState(settings.state_path)
    logger.info(
        "IMAP poller for %r on %s:%d (%s) started", settings.mailbox, settings.host, settings.port, settings.security
    )

    def post(raw: bytes) -> str:
        return post_mail(settings.ingest_url, settings.ingest_secret, raw, timeout=settings.timeout_seconds * 2)

    try:
        while not stop.is_set():
            try:
                report = poll_once(settings, state, post)
                if report.handed or report.rejected:
                    logger.info("IMAP pass: %d handed on, %d refused", report.handed, report.rejected)
            except (imaplib.IMAP4.error, OSError, ssl.SSLError) as error:
                logger.warning("IMAP pass failed: %s: %s", type(error).__name__, str(error)[:200])
            stop.wait(settings.interval_seconds)
    finally:
        state.close()


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None).parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = PollerSettings.from_environ(os.environ)
    except ValueError as error:
        logger.error("IMAP poller not started: %s", error)
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    run(settings, stop)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
