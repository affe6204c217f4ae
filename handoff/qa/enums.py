"""The closed vocabularies of the quality review: checks, severities, finding statuses and review states."""

from __future__ import annotations

from enum import StrEnum


class Check(StrEnum):
    """One automatic check of a closed conversation."""

    FIRST_RESPONSE = "first_response"
    LANGUAGE = "language"
    SILENCE = "silence"
    UNANSWERED_QUESTION = "unanswered_question"
    PERSONAL_DATA = "personal_data"
    GREETING = "greeting"
    CLOSING = "closing"
    TONE = "tone"


class Severity(StrEnum):
    """How much a failed check matters to a supervisor reading the review queue."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class FindingStatus(StrEnum):
    """A finding is open until a supervisor confirms or dismisses it."""

    OPEN = "open"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class Decision(StrEnum):
    """What a supervisor decides about a finding."""

    CONFIRM = "confirm"
    DISMISS = "dismiss"

    @property
    def status(self) -> FindingStatus:
        """The finding's status after this decision."""
        return FindingStatus.CONFIRMED if self is Decision.CONFIRM else FindingStatus.DISMISSED


class ReviewState(StrEnum):
    """A review row is claimed (``pending``) by one worker before it is computed and stored (``done``)."""

    PENDING = "pending"
    DONE = "done"
