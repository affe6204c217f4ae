"""One inbound e-mail as plain data: sender, threading headers, subject and the customer's text (pure).

Both ways mail comes in (the IMAP poller and the provider's webhook) hand the raw RFC 5322 message to `parse_mail`.
Mail that must never be answered (auto-replies, bulk and list mail, bounces, our own address) is recognised by
`skip_reason`, so that the bot never starts a mail loop.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses

from bot.channels.inbound import PayloadError
from bot.channels.mail_text import customer_text

__all__ = ["InboundMail", "address_id", "message_key", "parse_mail", "skip_reason"]

MAX_REFERENCES = 20
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")
_ADDRESS = re.compile(r"^[^@\s<>\"(),;:]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z0-9-]{2,63}$")


@dataclass(frozen=True)
class InboundMail:
    """What the channel needs of one received mail."""

    address: str  # the sender's address, lower-cased
    message_id: str  # `<...>`; derived from the content when the mail has none
    subject: str
    text: str  # the customer's words: no quoted history, no signature
    in_reply_to: str | None = None
    references: tuple[str, ...] = field(default_factory=tuple)
    language: str | None = None  # Content-Language, when the sender's client set one
    skip: str | None = None  # why the mail is not for the bot (auto-reply, bulk...), None when it is
    attachment: str | None = None  # "image" or "file" when the mail carries one (the first decides)

    @property
    def thread_references(self) -> tuple[str, ...]:
        """The References of a reply to this mail: its own References (or In-Reply-To) plus its Message-ID."""
        chain = list(self.references) or ([self.in_reply_to] if self.in_reply_to else [])
        chain.append(self.message_id)
        return tuple(dict.fromkeys(chain))[-MAX_REFERENCES:]


def address_id(address: str) -> str:
    """The platform id of a sender: the address, lower-cased. Like WhatsApp's verified phone number it is a fact the
    channel vouches for, so the handoff service may link customer records on it; logs name message digests only."""
    return address.strip().lower()


def message_key(message_id: str) -> str:
    """The id a mail is de-duplicated and logged under: a digest, since Message-IDs often carry names."""
    return hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:32]


def parse_mail(raw: bytes, own_addresses: frozenset[str] = frozenset()) -> InboundMail:
    """The mail in `raw`; `PayloadError` when it has no usable sender."""
    if not raw.strip():
        raise PayloadError("empty message")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if not isinstance(message, EmailMessage):  # pragma: no cover - the default policy always builds one
        raise PayloadError("not an RFC 5322 message")
    address = _sender(message)
    message_id = _first_id(message.get("Message-ID")) or _derived_id(raw)
    references = tuple(_MESSAGE_ID.findall(str(message.get("References") or "")))[-MAX_REFERENCES:]
    plain, html = _bodies(message)
    language = str(message.get("Content-Language") or "").split(",")[0].strip() or None
    return InboundMail(
        address=address,
        message_id=message_id,
        subject=_clean_subject(str(message.get("Subject") or "")),
        text=customer_text(plain, html),
        in_reply_to=_first_id(message.get("In-Reply-To")),
        references=references,
        language=language,
        skip=skip_reason(message, address, own_addresses),
        attachment=_attachment_kind(message),
    )


def skip_reason(message: EmailMessage, address: str, own_addresses: frozenset[str]) -> str | None:
    """Why the bot must not answer this mail (RFC 3834 auto-replies, bulk mail, bounces, ourselves), or None."""
    auto_submitted = str(message.get("Auto-Submitted") or "no").strip().lower()
    if auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = str(message.get("Precedence") or "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    if message.get("List-Id") or message.get("List-Unsubscribe"):
        return "mailing list"
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return "auto-reply"
    local_part = address.split("@", 1)[0]
    if local_part in ("mailer-daemon", "postmaster") or local_part.startswith(("no-reply", "noreply")):
        return "automated sender"
    if address in own_addresses:
        return "our own address"
    return None


def _sender(message: EmailMessage) -> str:
    """The address replies go to: Reply-To when it names one address, else From."""
    for header in ("Reply-To", "From"):
        values = [str(value) for value in message.get_all(header) or []]
        addresses = [address.strip().lower() for _, address in getaddresses(values) if address]
        if len(addresses) == 1 and _ADDRESS.match(addresses[0]):
            return addresses[0]
    raise PayloadError("no single valid sender address in Reply-To or From")


def _first_id(value: object) -> str | None:
    found = _MESSAGE_ID.search(str(value or ""))
    return found.group(0) if found else None


def _derived_id(raw: bytes) -> str:
    """A stable id for a mail without Message-ID, so that a second delivery of it is still recognised."""
    return f"<{hashlib.sha256(raw).hexdigest()[:40]}@nimbus.derived>"


def _clean_subject(subject: str) -> str:
    return " ".join(subject.split())[:300]


def _attachment_kind(message: EmailMessage) -> str | None:
    for part in message.iter_attachments():
        return "image" if part.get_content_maintype() == "image" else "file"
    return None


def _bodies(message: EmailMessage) -> tuple[str | None, str | None]:
    """The plain and the HTML body (attachments never count)."""
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return _content(plain), _content(html)


def _content(part: object) -> str | None:
    if not isinstance(part, EmailMessage):
        return None
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, ValueError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else None
    return content if isinstance(content, str) else None
