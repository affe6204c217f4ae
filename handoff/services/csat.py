"""Customer satisfaction: the rating (1-5) and optional comment a customer gives a handoff after its close.

The bot asks only when :func:`offers_rating` says so at the close (the close notice then names the handoff, and the
close's audit entry records the offer), and posts the answer with its service key for the conversation the handoff
belongs to. Each field is written once by a conditional ``UPDATE`` (``... WHERE csat_score IS NULL``), so a retried
or forged second rating is refused, never overwrites.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from handoff.errors import ConflictError, InvalidInputError, NotFoundError
from handoff.schemas import CsatCommentIn, CsatIn, CsatOut
from handoff.services.context import ServiceContext
from handoff.services.handoffs import clean_text
from handoff.services.transitions import audit
from handoff.states import HandoffStatus
from handoff.store.models import AuditEntry, Handoff

# A rating arriving later than this after the close no longer describes the conversation the customer remembers.
RATING_WINDOW = timedelta(hours=24)
# The close notice's entity that asks the bot to offer the rating; its value is the handoff to rate.
OFFER_ENTITY = "csat_handoff_id"
# Key of the `closed` audit entry's details that records whether the close offered a rating.
RATING_OFFERED = "rating_offered"


def offers_rating(*, return_to_bot: bool, agent_id: str | None) -> bool:
    """Whether an agent's close asks the customer for a rating: an agent served the conversation and the bot takes it
    back (a close without return to the bot ends the conversation, and a never-claimed handoff has nobody to rate)."""
    return return_to_bot and agent_id is not None


def was_offered(session: Session, handoff_id: str) -> bool:
    """Whether the handoff's close offered a rating, as its audit entry recorded (inactivity and erasure never do)."""
    closed = session.scalar(
        select(AuditEntry)
        .where(AuditEntry.handoff_id == handoff_id, AuditEntry.action == "closed")
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    return closed is not None and bool((closed.details or {}).get(RATING_OFFERED))


def rating_problem(handoff: Handoff, offered: bool, now: datetime) -> str | None:
    """Why this handoff cannot take a rating now, or None."""
    if handoff.status != HandoffStatus.CLOSED:
        return f"handoff {handoff.id} is {handoff.status}: it can be rated once it is closed"
    if not offered:
        return f"handoff {handoff.id} was not offered for rating (it did not return to the bot after an agent)"
    if handoff.closed_at is not None and now - handoff.closed_at > RATING_WINDOW:
        return f"handoff {handoff.id} closed more than {int(RATING_WINDOW.total_seconds() // 3600)} hours ago"
    return None


def csat_out(handoff: Handoff) -> CsatOut:
    """API view of a handoff's rating."""
    return CsatOut(
        handoff_id=handoff.id,
        conversation_id=handoff.conversation_id,
        queue=handoff.queue,
        language=handoff.language,
        channel=handoff.channel,
        agent_id=handoff.agent_id,
        closed_at=handoff.closed_at,
        score=handoff.csat_score,
        comment=handoff.csat_comment,
        rated_at=handoff.csat_at,
    )


def _of_conversation(session: Session, handoff_id: str, conversation_id: str) -> Handoff:
    """The handoff, which must belong to ``conversation_id``; another conversation's handoff is "not found" so that
    guessing ids reveals nothing."""
    handoff = session.get(Handoff, handoff_id, populate_existing=True)
    if handoff is None or handoff.conversation_id != conversation_id:
        raise NotFoundError("handoff", f"{handoff_id} of this conversation")
    return handoff


def _write_once(session: Session, handoff_id: str, unset: object, **values: object) -> bool:
    """Set ``values`` only while ``unset`` (a column) is still NULL; False when another call was first."""
    result = session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, unset.is_(None))  # type: ignore[attr-defined]
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return isinstance(result, CursorResult) and result.rowcount == 1


def rate(ctx: ServiceContext, handoff_id: str, body: CsatIn, *, actor: str) -> CsatOut:
    """Store the customer's score for a closed handoff of their conversation, once; audited."""
    now = ctx.clock()
    with ctx.sessions() as session:
        handoff = _of_conversation(session, handoff_id, body.conversation_id)
        problem = rating_problem(handoff, was_offered(session, handoff_id), now)
        if problem is not None:
            raise ConflictError(problem, status=handoff.status)
        if not _write_once(session, handoff_id, Handoff.csat_score, csat_score=body.score, csat_at=now):
            raise ConflictError(f"handoff {handoff_id} is already rated", status=handoff.status)
        audit(session, at=now, actor=actor, action="rated", handoff_id=handoff_id, details={"score": body.score})
        session.commit()
        session.refresh(handoff)
        return csat_out(handoff)


def comment(ctx: ServiceContext, handoff_id: str, body: CsatCommentIn, *, actor: str) -> CsatOut:
    """Store the customer's comment on their rating, once (redacted like every customer text when configured)."""
    now = ctx.clock()
    with ctx.sessions() as session:
        handoff = _of_conversation(session, handoff_id, body.conversation_id)
        if handoff.csat_score is None:
            raise ConflictError(f"handoff {handoff_id} has no rating to comment on", status=handoff.status)
        problem = rating_problem(handoff, was_offered(session, handoff_id), now)
        if problem is not None:
            raise ConflictError(problem, status=handoff.status)
        text = clean_text(ctx, body.comment.strip())
        if not text:
            raise InvalidInputError("comment", "the comment is empty")
        if not _write_once(session, handoff_id, Handoff.csat_comment, csat_comment=text):
            raise ConflictError(f"handoff {handoff_id} already has a comment", status=handoff.status)
        # The audit keeps that a comment came, not its words: personal data stays in one place the eraser knows.
        audit(session, at=now, actor=actor, action="rating_commented", handoff_id=handoff_id)
        session.commit()
        session.refresh(handoff)
        return csat_out(handoff)


def recent(ctx: ServiceContext, *, queue: str | None, limit: int, offset: int) -> list[CsatOut]:
    """Rated handoffs, newest rating first (the supervisor's view)."""
    query = select(Handoff).where(Handoff.csat_score.is_not(None))
    if queue is not None:
        query = query.where(Handoff.queue == queue)
    query = query.order_by(Handoff.csat_at.desc(), Handoff.id).limit(limit).offset(offset)
    with ctx.sessions() as session:
        return [csat_out(handoff) for handoff in session.scalars(query)]
