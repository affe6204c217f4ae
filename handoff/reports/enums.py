"""The closed vocabularies of reports: periods, dimensions and the report names."""

from __future__ import annotations

from enum import StrEnum


class Period(StrEnum):
    """How rows are bucketed, always by the local date in the report's time zone (weeks start on Monday)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class Dimension(StrEnum):
    """What a report can be filtered and grouped by."""

    QUEUE = "queue"
    AGENT = "agent"
    LANGUAGE = "language"
    CHANNEL = "channel"
    TOPIC = "topic"
    REASON = "reason"


class Source(StrEnum):
    """Where a report's figures come from."""

    HANDOFFS = "handoffs"
    TRACKER = "tracker"


# The bot-side reports know a message's language and channel, nothing about queues or agents.
TRACKER_DIMENSIONS = frozenset({Dimension.LANGUAGE, Dimension.CHANNEL})
