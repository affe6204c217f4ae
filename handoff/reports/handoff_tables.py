"""The handoff reports as tables, computed from ``HandoffFact`` values (pure: no I/O).

Every figure of a handoff counts in the bucket of the local date it was created on, under its latest queue and
agent, so that each row can be recomputed from the handoffs it names.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from handoff.reports.buckets import bucket_of, bucket_starts, local_date
from handoff.reports.handoff_facts import HandoffFact
from handoff.reports.params import ReportQuery
from handoff.reports.stats import mean, percentile, seconds
from handoff.reports.table import Row, Table

ALL = "all"
CSAT_SCORES = (1, 2, 3, 4, 5)

SUMMARY_COLUMNS = (
    "bucket",
    "group",
    "handoffs",
    "assigned",
    "closed",
    "wait_p50_seconds",
    "wait_p90_seconds",
    "first_response_p50_seconds",
    "first_response_p90_seconds",
    "handle_p50_seconds",
    "handle_p90_seconds",
    "transfers",
    "reopened_7d",
    "sla_breaches",
    "csat_responses",
    "csat_mean",
)
REASON_COLUMNS = ("bucket", "group", "reason", "handoffs")
CSAT_COLUMNS = ("bucket", "group", "score", "responses")

Key = tuple[date, str | None]


def _span(start: datetime | None, end: datetime | None) -> float | None:
    return None if start is None or end is None else (end - start).total_seconds()


def wait_seconds(fact: HandoffFact) -> float | None:
    """Queued to assigned (the latest queueing and assignment)."""
    return _span(fact.queued_at, fact.assigned_at)


def first_response_seconds(fact: HandoffFact) -> float | None:
    """Handed to humans (created) to the first public reply of an agent."""
    return _span(fact.created_at, fact.first_agent_reply_at)


def handle_seconds(fact: HandoffFact) -> float | None:
    """Assigned to closed."""
    return _span(fact.assigned_at, fact.closed_at) if fact.closed_at is not None else None


def breached_sla(fact: HandoffFact, now: datetime) -> bool:
    """Waited longer than its queue's SLA: until assigned, else until closed, else until now (still waiting)."""
    if fact.sla_seconds is None:
        return False
    end = fact.assigned_at or fact.closed_at or now
    return (end - fact.queued_at).total_seconds() > fact.sla_seconds


def selected(facts: Iterable[HandoffFact], query: ReportQuery) -> dict[Key, list[HandoffFact]]:
    """Facts on the report's dates that pass its filters, by (bucket, group)."""
    groups: dict[Key, list[HandoffFact]] = defaultdict(list)
    for fact in facts:
        if not query.includes(fact.created_at):
            continue
        values = fact.dimensions()
        if not query.matches(values):
            continue
        group = values[query.group_by] if query.group_by is not None else ALL
        groups[(bucket_of(local_date(fact.created_at, query.zone), query.period), group)].append(fact)
    return groups


def _dense_keys(groups: dict[Key, list[HandoffFact]], query: ReportQuery) -> list[Key]:
    """Every bucket of the range for every group seen (zeros included), so charts get a continuous axis."""
    names = {group for _, group in groups} if query.group_by is not None else {ALL}
    ordered = sorted(names, key=lambda name: (name is None, name or ""))
    return [(start, name) for start in bucket_starts(query.first_day, query.last_day, query.period) for name in ordered]


def _summary_row(bucket: date, group: str | None, facts: list[HandoffFact], now: datetime) -> Row:
    waits = [v for v in map(wait_seconds, facts) if v is not None]
    responses = [v for v in map(first_response_seconds, facts) if v is not None]
    handles = [v for v in map(handle_seconds, facts) if v is not None]
    scores = [f.csat_score for f in facts if f.csat_score is not None]
    return {
        "bucket": bucket.isoformat(),
        "group": group,
        "handoffs": len(facts),
        "assigned": sum(1 for f in facts if f.assigned_at is not None),
        "closed": sum(1 for f in facts if f.closed_at is not None),
        "wait_p50_seconds": seconds(percentile(waits, 0.5)),
        "wait_p90_seconds": seconds(percentile(waits, 0.9)),
        "first_response_p50_seconds": seconds(percentile(responses, 0.5)),
        "first_response_p90_seconds": seconds(percentile(responses, 0.9)),
        "handle_p50_seconds": seconds(percentile(handles, 0.5)),
        "handle_p90_seconds": seconds(percentile(handles, 0.9)),
        "transfers": sum(f.transfers for f in facts),
        "reopened_7d": sum(1 for f in facts if f.reopened),
        "sla_breaches": sum(1 for f in facts if breached_sla(f, now)),
        "csat_responses": len(scores),
        "csat_mean": mean(scores),
    }


def summary_table(facts: Iterable[HandoffFact], query: ReportQuery, now: datetime) -> Table:
    """Handoffs, waits, first response, handle time, transfers, reopenings, SLA breaches and CSAT per bucket."""
    groups = selected(facts, query)
    rows = [
        _summary_row(bucket, group, groups.get((bucket, group), []), now)
        for bucket, group in _dense_keys(groups, query)
    ]
    return Table("handoffs", SUMMARY_COLUMNS, rows)


def reasons_table(facts: Iterable[HandoffFact], query: ReportQuery) -> Table:
    """Handoffs per reason, per bucket and group (only the reasons that occurred)."""
    rows: list[Row] = []
    groups = selected(facts, query)
    for (bucket, group), members in sorted(groups.items(), key=lambda item: (item[0][0], item[0][1] or "")):
        counts: dict[str, int] = defaultdict(int)
        for fact in members:
            counts[fact.reason] += 1
        rows += [
            {"bucket": bucket.isoformat(), "group": group, "reason": reason, "handoffs": count}
            for reason, count in sorted(counts.items())
        ]
    return Table("reasons", REASON_COLUMNS, rows)


def csat_table(facts: Iterable[HandoffFact], query: ReportQuery) -> Table:
    """How many ratings of each score (1-5), per bucket and group that received any."""
    rows: list[Row] = []
    groups = selected(facts, query)
    for (bucket, group), members in sorted(groups.items(), key=lambda item: (item[0][0], item[0][1] or "")):
        scores = [f.csat_score for f in members if f.csat_score is not None]
        if scores:
            rows += [
                {"bucket": bucket.isoformat(), "group": group, "score": score, "responses": scores.count(score)}
                for score in CSAT_SCORES
            ]
    return Table("csat", CSAT_COLUMNS, rows)
