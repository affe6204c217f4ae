"""Replies by e-mail in the customer's thread (pure): `Re:` subject, In-Reply-To and References, our Message-ID.

Bot answers and agent replies arrive as Rasa messages (text, buttons, images); `render` turns them into the plain
text of one mail, `reply` wraps that in the thread's headers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

__all__ = ["Thread", "render", "reply", "reply_subject"]

_REPLY_PREFIX = re.compile(r"^\s*((re|aw|sv|antw|rv|r|wg|fw|fwd|tr)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


@dataclass(frozen=True)
class Thread:
    """Where a conversation's mail goes and which message a reply answers."""

    address: str
    subject: str
    parent_id: str | None  # Message-ID of the customer's latest mail
    references: tuple[str, ...]


def reply_subject(subject: str, fallback: str = "Your message") -> str:
    """`Re: <subject>`, with the reply prefixes mail clients stack up collapsed into one."""
    core = _REPLY_PREFIX.sub("", subject).strip()
    return f"Re: {core or fallback}"


def render(message: Mapping[str, Any]) -> str:
    """The plain text of one Rasa message: its text, its buttons as a list of what to answer, its image's URL."""
    parts = [str(message.get("text") or "").strip()]
    buttons = message.get("buttons") or message.get("quick_replies") or []
    titles = [str(button.get("title") or "") for button in buttons if isinstance(button, Mapping)]
    if titles:
        parts.append("\n".join(f"- {title}" for title in titles if title))
    if message.get("image"):
        parts.append(str(message["image"]))
    return "\n\n".join(part for part in parts if part)


def reply(thread: Thread, sender: str, texts: Iterable[str], domain: str, *, automatic: bool) -> EmailMessage:
    """One mail from `sender` answering the thread's latest customer message with `texts` (one paragraph each);
    `automatic` for the bot's answers, not for an agent's."""
    body = "\n\n".join(text.strip() for text in texts if text.strip())
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = thread.address
    mail["Subject"] = reply_subject(thread.subject)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=domain)
    if thread.parent_id:
        mail["In-Reply-To"] = thread.parent_id
    if thread.references:
        mail["References"] = " ".join(thread.references)
    if automatic:  # RFC 3834: the customer's auto-responder must not answer the bot.
        mail["Auto-Submitted"] = "auto-replied"
    mail.set_content(body + "\n", charset="utf-8")
    return mail
