"""The checks of the quality review, each a pure function of a conversation, its rules and a language detector."""

from __future__ import annotations

from collections.abc import Callable

from handoff.qa.checks.base import Outcome
from handoff.qa.checks.language import reply_language
from handoff.qa.checks.personal_data import personal_data
from handoff.qa.checks.phrases import closing, greeting, tone
from handoff.qa.checks.timing import first_response, silence
from handoff.qa.checks.unanswered import unanswered_question
from handoff.qa.conversation import Conversation
from handoff.qa.enums import Check
from handoff.qa.language import LanguageGuesser
from handoff.qa.rules import RuleSet

CheckFunction = Callable[[Conversation, RuleSet, LanguageGuesser], Outcome]

CHECKS: dict[Check, CheckFunction] = {
    Check.FIRST_RESPONSE: first_response,
    Check.LANGUAGE: reply_language,
    Check.SILENCE: silence,
    Check.UNANSWERED_QUESTION: unanswered_question,
    Check.PERSONAL_DATA: personal_data,
    Check.GREETING: greeting,
    Check.CLOSING: closing,
    Check.TONE: tone,
}

__all__ = ["CHECKS", "CheckFunction", "Outcome"]
