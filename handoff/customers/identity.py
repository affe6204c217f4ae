"""Which identities a handoff proves (pure): its channel id, and the contacts that channel verified.

A conversation id is ``<channel>:<platform id>`` for every channel but REST, whose ids are plain. Only facts a
platform vouches for become identities: WhatsApp and Twilio verify the sender's phone number, the e-mail channel
the sender's address. Anything the customer types or a REST integration claims does not link records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

REST_CHANNEL = "rest"
PHONE = "phone"
EMAIL = "email"
# Channels whose platform id is a phone number the platform itself verified.
PHONE_CHANNELS = frozenset({"whatsapp", "twilio"})
# Contact kinds that link records; they are never a handoff's own channel.
CONTACT_KINDS = frozenset({PHONE, EMAIL})
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 ().-]{5,30}$")
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s.]{2,63}$")


@dataclass(frozen=True, slots=True)
class Identity:
    """A channel (or contact kind) and the id on it."""

    channel: str
    external_id: str

    @property
    def directory_key(self) -> str:
        """The conversation-id form the customer directory is keyed by."""
        if self.channel == REST_CHANNEL:
            return self.external_id
        return f"{self.channel}:{self.external_id}"


# Channels that own the conversation ids ``<channel>:<platform id>`` (the Rasa side refuses them to REST senders).
NAMESPACED_CHANNELS = frozenset({"whatsapp", "messenger", "line", "twilio", "socketio", EMAIL})


def conversation_identity(channel: str, conversation_id: str) -> Identity:
    """The customer identity a conversation id proves: its channel prefix and platform id, else a REST id."""
    prefix, separator, rest = conversation_id.partition(":")
    if separator and rest and prefix in NAMESPACED_CHANNELS:
        return Identity(prefix, rest)
    return Identity(REST_CHANNEL if channel in NAMESPACED_CHANNELS else channel, conversation_id)


def normalise_phone(raw: str) -> str | None:
    """E.164-style ``+<digits>``, or None when ``raw`` is not a phone number."""
    if not _PHONE_RE.match(raw.strip()):
        return None
    digits = re.sub(r"[^0-9]", "", raw)
    return f"+{digits}" if 6 <= len(digits) <= 15 else None


def verified_contacts(identity: Identity) -> list[Identity]:
    """The phone or e-mail address the channel vouches for with this identity (empty for every other channel)."""
    if identity.channel in PHONE_CHANNELS:
        # Twilio's WhatsApp senders read ``whatsapp:+34…``; the number after the prefix is the verified one.
        phone = normalise_phone(identity.external_id.rpartition(":")[2])
        return [Identity(PHONE, phone)] if phone else []
    if identity.channel == EMAIL:
        address = identity.external_id.strip().lower()
        return [Identity(EMAIL, address)] if _EMAIL_RE.match(address) else []
    return []
