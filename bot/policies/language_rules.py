"""The conversation's language after one customer message: a pure decision over plain values.

The NLU pipeline says per message which language it is confidently in (or nothing); this module decides what that
means for the conversation:
- while no language is established, the first confident message sets it, whatever its intent and whatever decided
  it (script, detectors, domain lexicon, channel locale hint);
- an established language is sticky: unsure messages never move it, nor does a single short message in another
  language; two confident messages in a row in the same other language do (a message in between that is confidently
  in the established language starts the count again, unsure ones are neither for nor against), and so does one
  long message that its script or the detectors place in another language (a full sentence leaves no doubt);
- the channel's locale hint can establish a language but never moves an established one, because it is the same on
  every message and says nothing about a change;
- an explicit request (`change_language`) establishes whatever language it asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

METHOD_HINT = "hint"
# Methods that read the text itself (the script, the statistical detectors), unlike the lexicon's word or the hint.
TEXT_METHODS = frozenset({"script", "model"})
CHANGE_LANGUAGE = "change_language"


@dataclass(frozen=True)
class Detected:
    """One message's confident detection: the language and what decided it (script, model, lexicon, hint)."""

    language: str
    method: str
    # Letters of the message (ids, numbers and emoji do not count).
    letters: int = 0


@dataclass(frozen=True)
class LanguageState:
    """What the conversation holds: its language, whether a message established it, and the other language the
    previous confident message was in (the first of two in a row), if any."""

    language: str
    established: bool
    candidate: str | None = None


def next_state(
    state: LanguageState, detected: Detected | None, intent: str | None, long_message_letters: int = 15
) -> LanguageState:
    """The conversation's language state after one customer message; a message with at least `long_message_letters`
    letters read in another language by its script or the detectors moves it at once (0: never)."""
    if intent == CHANGE_LANGUAGE:
        # The request itself (and the action confirming it) sets the language; it is established from now on.
        return LanguageState(state.language, True, None)
    if detected is None:
        return state
    if not state.established:
        return LanguageState(detected.language, True, None)
    if detected.language == state.language:
        return LanguageState(state.language, True, None)
    if detected.method == METHOD_HINT:
        return state
    long_message = 0 < long_message_letters <= detected.letters and detected.method in TEXT_METHODS
    if state.candidate == detected.language or long_message:
        return LanguageState(detected.language, True, None)
    return LanguageState(state.language, True, detected.language)


__all__ = ["Detected", "LanguageState", "next_state"]
