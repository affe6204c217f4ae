"""Runs a named report: reads its source (handoff store or tracker store) and builds its table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from handoff.reports import bot_tables, handoff_tables
from handoff.reports.bot_facts import derive_records
from handoff.reports.buckets import utc_window
from handoff.reports.enums import TRACKER_DIMENSIONS, Dimension, Source
from handoff.reports.handoff_facts import handed_off_conversations, load_handoff_facts
from handoff.reports.params import ReportQuery
from handoff.reports.table import Table
from handoff.reports.tracker import TrackerReader, TrackerUnavailableError
from handoff.services.context import ServiceContext

ALL_DIMENSIONS = frozenset(Dimension)
NOT_CONFIGURED = "the tracker store is not configured (HANDOFF_REPORTS_TRACKER_DB_URL)"


@dataclass(frozen=True)
class ReportSpec:
    """A report's name, what it shows, where its figures come from and what it can be grouped by."""

    name: str
    title: str
    source: Source
    columns: tuple[str, ...]
    dimensions: frozenset[Dimension]


CATALOGUE: dict[str, ReportSpec] = {
    spec.name: spec
    for spec in (
        ReportSpec(
            "handoffs",
            "Handoffs, waiting, first response and handle times, transfers, reopenings, SLA breaches and CSAT",
            Source.HANDOFFS,
            handoff_tables.SUMMARY_COLUMNS,
            ALL_DIMENSIONS,
        ),
        ReportSpec("reasons", "Handoffs by reason", Source.HANDOFFS, handoff_tables.REASON_COLUMNS, ALL_DIMENSIONS),
        ReportSpec("csat", "Customer ratings by score", Source.HANDOFFS, handoff_tables.CSAT_COLUMNS, ALL_DIMENSIONS),
        ReportSpec(
            "conversations",
            "Conversations, containment, fallback and knowledge-base no-answer rates, clarifications",
            Source.TRACKER,
            bot_tables.CONVERSATION_COLUMNS,
            TRACKER_DIMENSIONS,
        ),
        ReportSpec("intents", "Intents by language", Source.TRACKER, bot_tables.INTENT_COLUMNS, TRACKER_DIMENSIONS),
        ReportSpec(
            "articles", "Articles served by language", Source.TRACKER, bot_tables.ARTICLE_COLUMNS, TRACKER_DIMENSIONS
        ),
    )
}


def _handoff_report(ctx: ServiceContext, spec: ReportSpec, query: ReportQuery) -> Table:
    start, end = utc_window(query.first_day, query.last_day, query.zone)
    with ctx.sessions() as session:
        facts = load_handoff_facts(session, start, end)
    if spec.name == "reasons":
        return handoff_tables.reasons_table(facts, query)
    if spec.name == "csat":
        return handoff_tables.csat_table(facts, query)
    return handoff_tables.summary_table(facts, query, ctx.clock())


def _tracker_report(
    ctx: ServiceContext, reader: Callable[[], TrackerReader | None], spec: ReportSpec, query: ReportQuery
) -> Table:
    try:
        tracker = reader()
        if tracker is None:
            raise TrackerUnavailableError(NOT_CONFIGURED)
        start, end = utc_window(query.first_day, query.last_day, query.zone)
        tracker_slice = tracker.read(start, end)
    except TrackerUnavailableError as error:
        return Table.unavailable(spec.name, spec.columns, str(error))
    records = derive_records(tracker_slice.events, tracker_slice.languages_before)
    if spec.name == "intents":
        return bot_tables.intents_table(records, query)
    if spec.name == "articles":
        return bot_tables.articles_table(records, query)
    with ctx.sessions() as session:
        handoffs = handed_off_conversations(session, start, end)
    return bot_tables.conversations_table(records, handoffs, query)


def run_report(
    ctx: ServiceContext, reader: Callable[[], TrackerReader | None], spec: ReportSpec, query: ReportQuery
) -> Table:
    """The table of ``spec`` for ``query``; a tracker report whose store cannot be read is marked unavailable."""
    if spec.source is Source.TRACKER:
        return _tracker_report(ctx, reader, spec, query)
    return _handoff_report(ctx, spec, query)
