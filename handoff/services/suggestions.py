"""Reply suggestions for agents: the same knowledge-base retriever the bot answers from, in the customer's language.

The retriever (index plus encoder) is loaded on the first suggestion a process serves and kept for the
process's life; a failed load (no index built yet) is not cached, so the next request tries again.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from handoff.errors import NotFoundError
from handoff.schemas import SuggestionOut
from handoff.services.context import ServiceContext
from handoff.states import MessageRole
from handoff.store.models import Handoff, Message

if TYPE_CHECKING:
    from kb import Retriever

MAX_SUGGESTIONS = 10


class SuggestionsUnavailable(RuntimeError):
    """The knowledge-base index cannot be loaded (not built, or built with another encoder)."""


def retriever_for(index_dir: Path) -> Retriever:
    """The process's retriever for ``index_dir``, loading it once (kb/lazy.py)."""
    try:
        from kb.lazy import shared_retriever  # imported here: the service starts without loading numpy/FAISS/encoders

        return shared_retriever(index_dir).get()
    except Exception as error:  # any load failure means "no suggestions", with the reason
        raise SuggestionsUnavailable(f"knowledge base not available at {index_dir}: {error}") from error


def last_customer_text(ctx: ServiceContext, handoff: Handoff) -> str:
    """The customer's latest message in the handoff, or the summary when there is none."""
    with ctx.sessions() as session:
        text = session.scalar(
            select(Message.text)
            .where(Message.handoff_id == handoff.id, Message.role == MessageRole.CUSTOMER, Message.private.is_(False))
            .order_by(Message.timestamp.desc(), Message.id.desc())
            .limit(1)
        )
    return text or handoff.summary or ""


def suggest(ctx: ServiceContext, handoff_id: str, query: str | None, k: int) -> list[SuggestionOut]:
    """Up to ``k`` articles for ``query`` (default: the customer's last message) in the handoff's language."""
    with ctx.sessions() as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            raise NotFoundError("handoff", handoff_id)
        session.expunge(handoff)
    text = (query or "").strip() or last_customer_text(ctx, handoff)
    if not text.strip():
        return []
    retriever = retriever_for(ctx.settings.kb_index_dir)
    tried = set(handoff.kb_articles_tried or [])
    return [
        SuggestionOut(
            article_id=hit.article_id,
            language=hit.language,
            title=hit.title,
            answer=hit.answer,
            score=round(hit.score, 4),
            url=hit.url,
            already_tried=hit.article_id in tried,
        )
        for hit in retriever.search(text, handoff.language, k=min(k, MAX_SUGGESTIONS))
    ]
