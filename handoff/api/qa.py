"""Quality review for supervisors: the review queue, one review with its failing messages, and decisions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from handoff.api.deps import Context, Manager
from handoff.qa import decisions, queries
from handoff.qa.enums import FindingStatus
from handoff.qa.schemas import DecisionIn, FindingOut, ReviewOut, ReviewSummary

router = APIRouter(tags=["quality"])


@router.get("/qa/reviews", response_model=list[ReviewSummary])
def list_reviews(
    ctx: Context,
    _: Manager,
    response: Response,
    queue: Annotated[str | None, Query(max_length=64)] = None,
    max_score: Annotated[int | None, Query(ge=0, le=100)] = None,
    status: Annotated[
        FindingStatus | None, Query(description="reviews with at least one finding in this status")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ReviewSummary]:
    """Reviewed closed handoffs, lowest score first; ``X-Total-Count`` is the size of the filtered list."""
    where = queries.ReviewFilter(queue=queue or None, max_score=max_score, status=status)
    with ctx.sessions() as session:
        page = queries.list_reviews(session, where, limit, offset)
    response.headers["X-Total-Count"] = str(page.total)
    return page.items


@router.get("/qa/reviews/{handoff_id}", response_model=ReviewOut)
def get_review(handoff_id: str, ctx: Context, _: Manager) -> ReviewOut:
    """One handoff's review: every check's outcome and the findings with the exact messages that failed them."""
    with ctx.sessions() as session:
        return queries.get_review(session, handoff_id)


@router.post("/qa/findings/{finding_id}/decision", response_model=FindingOut)
def decide(
    finding_id: Annotated[int, Path(ge=1, le=2**31 - 1)], body: DecisionIn, ctx: Context, caller: Manager
) -> FindingOut:
    """Confirm or dismiss a finding (audited as ``qa_finding_decided`` with the previous and new status)."""
    with ctx.sessions() as session:
        return decisions.decide(session, finding_id, body.decision, body.note, caller.actor, ctx.clock())
