"""Top unanswered questions for supervisors and content teams, and the two actions that turn a group into content.

``/reports/unanswered`` (JSON) and ``/reports/unanswered.csv`` list the groups; ``.../{id}/training-examples.csv``
gives the content tool's CSV that adds a group's questions to an intent, ``.../{id}/article-draft.md`` a draft
knowledge-base article. Registered before the generic ``/reports/{name}`` routes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from fastapi.responses import Response

from handoff.api.deps import Context, Manager
from handoff.api.reports import FilterValues, TrackerDep
from handoff.errors import InvalidInputError, NotFoundError
from handoff.reports.buckets import local_date
from handoff.reports.content_export import (
    ARTICLE_ID_PATTERN,
    ARTICLE_TOPICS,
    INTENT_PATTERN,
    article_draft,
    training_csv,
)
from handoff.reports.csv_export import cell, content_disposition, to_csv
from handoff.reports.enums import Dimension, Period
from handoff.reports.grouping import DEFAULT_THRESHOLD
from handoff.reports.nlu_examples import NluDataError, read_examples
from handoff.reports.params import build_query, parse_zone
from handoff.reports.table import Table
from handoff.reports.unanswered import (
    GroupingUnavailableError,
    UnansweredGroup,
    UnansweredResult,
    VectorCache,
    unanswered,
)
from handoff.reports.unanswered_schemas import UnansweredExampleOut, UnansweredGroupOut, UnansweredOut
from handoff.services.context import ServiceContext
from handoff.services.suggestions import SuggestionsUnavailable, retriever_for
from language_registry import codes

router = APIRouter(tags=["reports"])
_cache_lock = threading.Lock()
DEFAULT_DAYS = 30
MAX_GROUPS = 200
LANGUAGES: tuple[str, ...] = codes()
GROUP_COLUMNS = ("group_id", "label", "count", "languages", "kinds", "examples")


def vector_cache(request: Request) -> Callable[[], VectorCache]:
    """Embeds with the knowledge base's first encoder, from the process's shared retriever (kb/lazy.py), loaded on
    first use; vectors are kept for the process."""

    def get() -> VectorCache:
        context: ServiceContext = request.app.state.context
        try:
            encoder = retriever_for(context.settings.kb_index_dir).encoder
        except SuggestionsUnavailable as error:
            raise GroupingUnavailableError(str(error)) from error
        with _cache_lock:
            cache: VectorCache | None = getattr(request.app.state, "unanswered_vectors", None)
            if cache is None or cache.encoder is not encoder:
                cache = VectorCache(encoder)
                request.app.state.unanswered_vectors = cache
        return cache

    return get


VectorsDep = Annotated[Callable[[], VectorCache], Depends(vector_cache)]


@dataclass(frozen=True)
class UnansweredQuery:
    """A validated request: local dates (both included) in a zone, and the languages asked for."""

    first_day: date
    last_day: date
    tz: str
    languages: frozenset[str]


def unanswered_query(
    ctx: Context,
    from_: Annotated[date | None, Query(alias="from", description="first local date (inclusive)")] = None,
    to: Annotated[date | None, Query(description="last local date (inclusive); default today")] = None,
    tz: Annotated[str, Query(max_length=64, description="IANA time zone of the dates")] = "UTC",
    language: FilterValues = [],  # noqa: B006 - FastAPI copies query defaults
) -> UnansweredQuery:
    """Dates and zone validated as every report's; by default the last 30 days."""
    if from_ is None:
        from_ = (to or local_date(ctx.clock(), parse_zone(tz))) - timedelta(days=DEFAULT_DAYS - 1)
    query = build_query(
        period=Period.MONTH,
        first_day=from_,
        last_day=to,
        tz=tz,
        group_by=None,
        filters={Dimension.LANGUAGE: language},
        now=ctx.clock(),
        allowed_dimensions=frozenset({Dimension.LANGUAGE}),
    )
    languages = query.filters.get(Dimension.LANGUAGE, frozenset())
    unknown = sorted(languages - set(LANGUAGES))
    if unknown:
        raise InvalidInputError("language", f"unknown language {unknown[0]!r} (one of {', '.join(LANGUAGES)})")
    return UnansweredQuery(query.first_day, query.last_day, query.tz_name, languages)


QueryDep = Annotated[UnansweredQuery, Depends(unanswered_query)]


def _run(ctx: ServiceContext, tracker: TrackerDep, vectors: VectorsDep, query: UnansweredQuery) -> UnansweredResult:
    """The groups; 503 when there is no encoder to group with (the JSON list says so instead)."""
    zone = parse_zone(query.tz)
    try:
        return unanswered(
            ctx.sessions, tracker, vectors, query.first_day, query.last_day, zone, query.languages or None
        )
    except GroupingUnavailableError as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(error)) from error


def _group_out(group: UnansweredGroup) -> UnansweredGroupOut:
    return UnansweredGroupOut(
        id=group.id,
        label=group.label,
        count=group.count,
        languages=group.languages,
        kinds=group.kinds,
        examples=[UnansweredExampleOut(text=t.text, language=t.language, count=t.count) for t in group.examples],
    )


def _file(body: str, name: str, media_type: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": content_disposition(name), "Cache-Control": "no-store"},
    )


def _span(query: UnansweredQuery) -> str:
    return f"{query.first_day.isoformat()}-{query.last_day.isoformat()}"


@router.get("/reports/unanswered", response_model=UnansweredOut)
def unanswered_groups(
    ctx: Context,
    caller: Manager,
    query: QueryDep,
    tracker: TrackerDep,
    vectors: VectorsDep,
    limit: Annotated[int, Query(ge=1, le=MAX_GROUPS)] = 50,
) -> UnansweredOut:
    """Unanswered questions grouped by meaning, most asked first, with counts, languages, kinds and examples
    (``available`` is false, with the reason, when there is no encoder to group them with)."""
    zone = parse_zone(query.tz)
    try:
        result = unanswered(
            ctx.sessions, tracker, vectors, query.first_day, query.last_day, zone, query.languages or None
        )
        encoder = vectors().encoder.name if result.groups else None
        available, reason = True, None
    except GroupingUnavailableError as error:
        result, encoder, available, reason = UnansweredResult([], 0, 0, True, None), None, False, str(error)
    return UnansweredOut(
        from_=query.first_day,
        to=query.last_day,
        tz=query.tz,
        languages=sorted(query.languages),
        generated_at=ctx.clock(),
        available=available,
        unavailable_reason=reason,
        tracker_available=result.tracker_available,
        tracker_unavailable_reason=result.unavailable_reason,
        encoder=encoder,
        threshold=DEFAULT_THRESHOLD,
        questions=result.questions,
        ungrouped=result.ungrouped,
        groups=[_group_out(group) for group in result.groups[:limit]],
    )


@router.get("/reports/unanswered.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def unanswered_groups_csv(
    ctx: Context, caller: Manager, query: QueryDep, tracker: TrackerDep, vectors: VectorsDep
) -> Response:
    """Every group as a CSV row (examples separated by `` | ``; formula-looking text neutralised)."""
    result = _run(ctx, tracker, vectors, query)
    rows = [
        {
            "group_id": g.id,
            "label": g.label,
            "count": g.count,
            "languages": " ".join(f"{k}:{v}" for k, v in g.languages.items()),
            "kinds": " ".join(f"{k}:{v}" for k, v in g.kinds.items()),
            "examples": " | ".join(cell(t.text) for t in g.examples),
        }
        for g in result.groups
    ]
    body = to_csv(Table("unanswered", GROUP_COLUMNS, rows))
    return _file(body, f"nimbus-unanswered-{_span(query)}.csv", "text/csv; charset=utf-8")


def _group(
    ctx: ServiceContext, tracker: TrackerDep, vectors: VectorsDep, query: UnansweredQuery, gid: str
) -> UnansweredGroup:
    for group in _run(ctx, tracker, vectors, query).groups:
        if group.id == gid:
            return group
    raise NotFoundError("unanswered question group (reload the list: the questions of this range changed)", gid)


GroupId = Annotated[str, Path(pattern=r"^[0-9a-f]{12}$", description="a group's id from the list")]


@router.get(
    "/reports/unanswered/{group_id}/training-examples.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, 503: {"description": "the NLU training data cannot be read"}},
)
def training_examples(
    group_id: GroupId,
    ctx: Context,
    caller: Manager,
    query: QueryDep,
    tracker: TrackerDep,
    vectors: VectorsDep,
    intent: Annotated[str, Query(pattern=INTENT_PATTERN, description="the intent the questions become examples of")],
) -> Response:
    """The content tool's CSV (``python -m bot.content import``): the intent's current examples, then the group's
    questions, in each language of the group."""
    try:
        current = read_examples(ctx.settings.content_nlu_dir, LANGUAGES)
    except NluDataError as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(error)) from error
    if intent not in current.intents:
        raise InvalidInputError("intent", f"unknown intent {intent!r}: add it to nlu_data first, or choose another")
    group = _group(ctx, tracker, vectors, query, group_id)
    export = training_csv(group.texts, intent, current)
    if not export.added:
        raise InvalidInputError("intent", "none of the group's questions can be added (already examples, or masked)")
    response = _file(export.csv, f"nimbus-training-{intent}-{group_id}.csv", "text/csv; charset=utf-8")
    response.headers["X-Nimbus-Examples-Added"] = str(export.added)
    response.headers["X-Nimbus-Examples-Skipped"] = str(export.skipped)
    return response


@router.get(
    "/reports/unanswered/{group_id}/article-draft.md",
    response_class=Response,
    responses={200: {"content": {"text/markdown": {}}}},
)
def article_draft_file(
    group_id: GroupId,
    ctx: Context,
    caller: Manager,
    query: QueryDep,
    tracker: TrackerDep,
    vectors: VectorsDep,
    article_id: Annotated[str, Query(pattern=ARTICLE_ID_PATTERN, max_length=80, description="the new article's id")],
    topic: Annotated[str, Query(description=f"one of {', '.join(ARTICLE_TOPICS)}")] = "general",
) -> Response:
    """A draft ``kb/articles/<article_id>.md``: titles and sample questions per language, answers left to write."""
    if topic not in ARTICLE_TOPICS:
        raise InvalidInputError("topic", f"must be one of {', '.join(ARTICLE_TOPICS)}")
    group = _group(ctx, tracker, vectors, query, group_id)
    if not any(t.language in LANGUAGES for t in group.texts):
        raise InvalidInputError("group_id", "the group's questions have no known language")
    body = article_draft([t for t in group.texts if t.language in LANGUAGES], group.label, article_id, topic)
    return _file(body, f"{article_id}.md", "text/markdown; charset=utf-8")
