"""Personal data an agent pasted into a reply or a private note: Luhn-valid card numbers and IBANs with a valid
checksum (the detectors of ``handoff.domain.redaction``, including what redaction already replaced with its markers),
and passwords written after a configured phrase ("password:", "contraseña:", "密码：")."""

from __future__ import annotations

import re
from functools import lru_cache

from handoff.domain.redaction import CARD_MARK, IBAN_MARK, redact
from handoff.qa.checks.base import NOT_APPLICABLE, PASSED, Outcome, failed
from handoff.qa.conversation import Conversation
from handoff.qa.language import LanguageGuesser
from handoff.qa.rules import LANGUAGES, RuleSet
from handoff.qa.text import normalise

CARD = "card number"
IBAN = "IBAN"
PASSWORD = "password"

# A colon or equals sign after the phrase means a value follows; after a phrase ending in a word ("password is")
# the value must hold a digit or a symbol, so "your password is expired" is not taken for one.
_TRAILING = ".,;!?)]}\"'。，！？"


def _fold(text: str) -> str:
    return re.sub(r"\s+([:=])", r"\1", normalise(text))


@lru_cache(maxsize=1024)
def _password_pattern(phrase: str) -> tuple[re.Pattern[str], bool]:
    """The phrase followed by its value, and whether the phrase ends with a separator."""
    folded = _fold(phrase)
    start = "" if any("\u3400" <= c <= "\u9fff" for c in folded) else r"(?<!\w)"
    return re.compile(start + re.escape(folded) + r"\s*(\S+)"), folded.endswith((":", "="))


def _has_password(folded: str, phrase: str) -> bool:
    pattern, separated = _password_pattern(phrase)
    for match in pattern.finditer(folded):
        value = match.group(1).rstrip(_TRAILING)
        if separated and len(value) >= 3:
            return True
        if len(value) >= 4 and any(not char.isalpha() for char in value):
            return True
    return False


def kinds_in(text: str, password_phrases: list[str]) -> list[str]:
    """The kinds of personal data in ``text`` (never the data itself)."""
    found: list[str] = []
    redacted = redact(text)
    if CARD_MARK in redacted:
        found.append(CARD)
    if IBAN_MARK in redacted:
        found.append(IBAN)
    folded = _fold(text)
    if any(_has_password(folded, phrase) for phrase in password_phrases):
        found.append(PASSWORD)
    return found


def personal_data(conversation: Conversation, rules: RuleSet, _: LanguageGuesser) -> Outcome:
    """Every agent reply and every agent's private note, in its sent and its original wording."""
    phrases = [phrase for language in LANGUAGES for phrase in rules.phrases_for("password", language)]
    written = [m for m in conversation.messages if m.by_agent or m.agent_note]
    if not written:
        return NOT_APPLICABLE
    hits: dict[int, list[str]] = {}
    for message in written:
        for text in filter(None, (message.text, message.original_text)):
            for kind in kinds_in(text, phrases):
                if kind not in hits.setdefault(message.id, []):
                    hits[message.id].append(kind)
    if not hits:
        return PASSED
    notes = {m.id for m in conversation.messages if m.agent_note}
    parts = []
    for message_id, kinds in hits.items():
        where = "a private note" if message_id in notes else "a reply"
        parts.append(f"{' and '.join(kinds)} in {where}")
    return failed(list(hits), "personal data pasted by the agent: " + "; ".join(parts))
