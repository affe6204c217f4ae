"""Supervisor reports: ``/reports`` lists them, ``/reports/{name}`` answers JSON, ``.csv`` or ``format=csv`` a file."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from handoff.api.deps import Context, Manager
from handoff.errors import NotFoundError
from handoff.reports.csv_export import content_disposition, filename, to_csv
from handoff.reports.enums import Dimension, Period
from handoff.reports.params import ReportQuery, build_query
from handoff.reports.schemas import ReportInfo, ReportOut
from handoff.reports.service import CATALOGUE, ReportSpec, run_report
from handoff.reports.table import Table
from handoff.reports.tracker import TrackerReader
from handoff.services.context import ServiceContext

router = APIRouter(tags=["reports"])
_tracker_lock = threading.Lock()

FilterValues = Annotated[list[str], Query(max_length=50, description="repeat or separate with commas")]


def tracker_reader(request: Request) -> Callable[[], TrackerReader | None]:
    """The tracker store reader of this app, created on first use (None when no tracker URL is configured)."""

    def get() -> TrackerReader | None:
        context: ServiceContext = request.app.state.context
        url = context.settings.reports_tracker_db_url
        if not url:
            return None
        with _tracker_lock:
            reader: TrackerReader | None = getattr(request.app.state, "reports_tracker", None)
            if reader is None:
                reader = TrackerReader(url)
                request.app.state.reports_tracker = reader
        return reader

    return get


TrackerDep = Annotated[Callable[[], TrackerReader | None], Depends(tracker_reader)]


def _spec(name: str) -> ReportSpec:
    spec = CATALOGUE.get(name)
    if spec is None:
        raise NotFoundError("report", name)
    return spec


def report_query(
    request: Request,
    ctx: Context,
    period: Period = Period.DAY,
    from_: Annotated[date | None, Query(alias="from", description="first local date (inclusive)")] = None,
    to: Annotated[date | None, Query(description="last local date (inclusive); default today")] = None,
    tz: Annotated[str, Query(max_length=64, description="IANA time zone of the buckets")] = "UTC",
    group_by: Dimension | None = None,
    queue: FilterValues = [],  # noqa: B006 - FastAPI copies query defaults
    agent: FilterValues = [],  # noqa: B006
    language: FilterValues = [],  # noqa: B006
    channel: FilterValues = [],  # noqa: B006
    topic: FilterValues = [],  # noqa: B006
    reason: FilterValues = [],  # noqa: B006
) -> ReportQuery:
    """The validated request of the report named in the path."""
    spec = _spec(request.path_params["name"])
    filters = {
        Dimension.QUEUE: queue,
        Dimension.AGENT: agent,
        Dimension.LANGUAGE: language,
        Dimension.CHANNEL: channel,
        Dimension.TOPIC: topic,
        Dimension.REASON: reason,
    }
    return build_query(
        period=period,
        first_day=from_,
        last_day=to,
        tz=tz,
        group_by=group_by,
        filters=filters,
        now=ctx.clock(),
        allowed_dimensions=spec.dimensions,
    )


QueryDep = Annotated[ReportQuery, Depends(report_query)]


def _out(ctx: ServiceContext, spec: ReportSpec, query: ReportQuery, table: Table) -> ReportOut:
    return ReportOut(
        report=spec.name,
        title=spec.title,
        source=spec.source.value,
        available=table.available,
        unavailable_reason=table.unavailable_reason,
        period=query.period.value,
        from_=query.first_day,
        to=query.last_day,
        tz=query.tz_name,
        group_by=query.group_by.value if query.group_by else None,
        filters={dimension.value: sorted(values) for dimension, values in query.filters.items()},
        generated_at=ctx.clock(),
        columns=list(table.columns),
        rows=table.rows,
    )


def _csv(spec: ReportSpec, query: ReportQuery, table: Table) -> Response:
    if not table.available:
        return JSONResponse({"detail": f"{spec.name} is unavailable: {table.unavailable_reason}"}, status_code=503)
    return Response(
        to_csv(table),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": content_disposition(filename(spec.name, query.first_day, query.last_day)),
            "Cache-Control": "no-store",
        },
    )


@router.get("/reports", response_model=list[ReportInfo])
def list_reports(caller: Manager) -> list[ReportInfo]:
    """The reports, their columns and what each can be grouped and filtered by."""
    return [
        ReportInfo(
            name=spec.name,
            title=spec.title,
            source=spec.source.value,
            columns=list(spec.columns),
            dimensions=sorted(d.value for d in spec.dimensions),
        )
        for spec in CATALOGUE.values()
    ]


@router.get(
    "/reports/{name}.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, 503: {"description": "the tracker store cannot be read"}},
)
def report_csv(name: str, ctx: Context, caller: Manager, query: QueryDep, tracker: TrackerDep) -> Response:
    """The report's table as a CSV file (formula-looking text is prefixed with an apostrophe)."""
    spec = _spec(name)
    return _csv(spec, query, run_report(ctx, tracker, spec, query))


@router.get(
    "/reports/{name}",
    response_model=ReportOut,
    responses={200: {"content": {"text/csv": {}}}, 503: {"description": "CSV only: the tracker store cannot be read"}},
)
def report(
    name: str,
    ctx: Context,
    caller: Manager,
    query: QueryDep,
    tracker: TrackerDep,
    format: Literal["json", "csv"] = "json",
) -> ReportOut | Response:
    """The report as JSON (``format=csv``: the same table as a CSV file)."""
    spec = _spec(name)
    table = run_report(ctx, tracker, spec, query)
    if format == "csv":
        return _csv(spec, query, table)
    return _out(ctx, spec, query, table)
