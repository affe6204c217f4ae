"""The bot-side reports as tables, from ``BotRecord`` values and the handoffs created (pure: no I/O).

A conversation counts once per bucket in which the customer wrote, under the language and channel of their last
message in that bucket; it was handed off in that bucket when a handoff of it was created on one of its dates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from handoff.reports.bot_facts import FALLBACK_INTENT, BotRecord, Kind
from handoff.reports.buckets import bucket_of, bucket_starts, local_date
from handoff.reports.enums import Dimension
from handoff.reports.params import ReportQuery
from handoff.reports.stats import ratio
from handoff.reports.table import Row, Table

ALL = "all"
CONVERSATION_COLUMNS = (
    "bucket",
    "group",
    "conversations",
    "handed_off",
    "contained",
    "containment_rate",
    "user_messages",
    "fallbacks",
    "fallback_rate",
    "kb_questions",
    "articles_served",
    "kb_no_answers",
    "kb_no_answer_rate",
    "clarifications_asked",
    "clarifications_chosen",
    "clarifications_declined",
)
INTENT_COLUMNS = ("bucket", "language", "intent", "messages")
ARTICLE_COLUMNS = ("bucket", "language", "article", "served")

Key = tuple[date, str | None]


def _values(record: BotRecord) -> dict[Dimension, str | None]:
    return {Dimension.LANGUAGE: record.language, Dimension.CHANNEL: record.channel}


def _in_report(records: Iterable[BotRecord], query: ReportQuery) -> list[tuple[date, BotRecord]]:
    """Records on the report's dates that pass its filters, with their bucket."""
    return [
        (bucket_of(local_date(record.at, query.zone), query.period), record)
        for record in records
        if query.includes(record.at) and query.matches(_values(record))
    ]


def _group(record: BotRecord, query: ReportQuery) -> str | None:
    return _values(record)[query.group_by] if query.group_by is not None else ALL


def conversations_table(
    records: Iterable[BotRecord], handoffs: Iterable[tuple[str, datetime]], query: ReportQuery
) -> Table:
    """Conversations, containment, fallback and KB no-answer rates, articles and clarifications per bucket."""
    rows_in = _in_report(records, query)
    handed = {
        (conversation, bucket_of(local_date(at, query.zone), query.period))
        for conversation, at in handoffs
        if query.includes(at)
    }
    # The last message of each conversation in each bucket decides the conversation's group there.
    last_message: dict[tuple[str, date], BotRecord] = {}
    counts: dict[Key, dict[Kind, int]] = defaultdict(lambda: defaultdict(int))
    fallbacks: dict[Key, int] = defaultdict(int)
    for bucket, record in rows_in:
        key = (bucket, _group(record, query))
        counts[key][record.kind] += 1
        if record.kind is Kind.MESSAGE:
            last_message[(record.sender, bucket)] = record
            if record.value == FALLBACK_INTENT:
                fallbacks[key] += 1
    conversations: dict[Key, int] = defaultdict(int)
    handed_off: dict[Key, int] = defaultdict(int)
    for (sender, bucket), record in last_message.items():
        key = (bucket, _group(record, query))
        conversations[key] += 1
        if (sender, bucket) in handed:
            handed_off[key] += 1
    names = {group for _, group in counts} if query.group_by is not None else {ALL}
    ordered = sorted(names, key=lambda name: (name is None, name or ""))
    rows: list[Row] = []
    for bucket in bucket_starts(query.first_day, query.last_day, query.period):
        for group in ordered:
            key = (bucket, group)
            kinds = counts.get(key, {})
            messages = kinds.get(Kind.MESSAGE, 0)
            served, no_answers = kinds.get(Kind.ARTICLE_SERVED, 0), kinds.get(Kind.KB_NO_ANSWER, 0)
            asked = kinds.get(Kind.CLARIFICATION_ASKED, 0)
            questions = served + no_answers + asked
            total, handed_count = conversations.get(key, 0), handed_off.get(key, 0)
            rows.append(
                {
                    "bucket": bucket.isoformat(),
                    "group": group,
                    "conversations": total,
                    "handed_off": handed_count,
                    "contained": total - handed_count,
                    "containment_rate": ratio(total - handed_count, total),
                    "user_messages": messages,
                    "fallbacks": fallbacks.get(key, 0),
                    "fallback_rate": ratio(fallbacks.get(key, 0), messages),
                    "kb_questions": questions,
                    "articles_served": served,
                    "kb_no_answers": no_answers,
                    "kb_no_answer_rate": ratio(no_answers, questions),
                    "clarifications_asked": asked,
                    "clarifications_chosen": kinds.get(Kind.CLARIFICATION_CHOSEN, 0),
                    "clarifications_declined": kinds.get(Kind.CLARIFICATION_DECLINED, 0),
                }
            )
    return Table("conversations", CONVERSATION_COLUMNS, rows)


def _counted(records: Iterable[BotRecord], query: ReportQuery, kind: Kind) -> dict[tuple[date, str | None, str], int]:
    counts: dict[tuple[date, str | None, str], int] = defaultdict(int)
    for bucket, record in _in_report(records, query):
        if record.kind is kind:
            counts[(bucket, record.language, record.value or "")] += 1
    return counts


def _sorted(counts: dict[tuple[date, str | None, str], int]) -> list[tuple[tuple[date, str | None, str], int]]:
    return sorted(counts.items(), key=lambda item: (item[0][0], item[0][1] or "", -item[1], item[0][2]))


def intents_table(records: Iterable[BotRecord], query: ReportQuery) -> Table:
    """Customer messages per intent and language (the intent the NLU gave; ``nlu_fallback`` when unsure)."""
    rows: list[Row] = [
        {"bucket": bucket.isoformat(), "language": language, "intent": intent, "messages": count}
        for (bucket, language, intent), count in _sorted(_counted(records, query, Kind.MESSAGE))
    ]
    return Table("intents", INTENT_COLUMNS, rows)


def articles_table(records: Iterable[BotRecord], query: ReportQuery) -> Table:
    """Knowledge-base articles served per language (answers and chosen clarifications alike)."""
    rows: list[Row] = [
        {"bucket": bucket.isoformat(), "language": language, "article": article, "served": count}
        for (bucket, language, article), count in _sorted(_counted(records, query, Kind.ARTICLE_SERVED))
    ]
    return Table("articles", ARTICLE_COLUMNS, rows)
