"""Translation inside a conversation: the transcript in the reading agent's language, and a reply's preview.

Only what a customer or the bot said is translated for an agent (never a private note); translations are stored
on the message, so the provider is asked once per message and language, in one batch per source language.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from handoff.access import require_visible
from handoff.auth import Principal
from handoff.errors import NotFoundError
from handoff.schemas import HandoffOut, MessageOut, MessageTranslation, TranslatePreviewOut
from handoff.services.context import ServiceContext
from handoff.store.models import Agent, Handoff, Message
from handoff.translation.service import Translator, agent_language, needs_translation

# Roles whose words are in the customer's language and are worth reading in the agent's.
TRANSLATED_ROLES = frozenset({"customer", "bot"})


def agent_languages(ctx: ServiceContext, caller: Principal) -> list[str]:
    """The calling agent's languages from their profile (empty for callers who are not agents)."""
    if caller.agent_id is None:
        return []
    with ctx.sessions() as session:
        agent = session.get(Agent, caller.agent_id)
        return list(agent.languages) if agent is not None else []


def _to_translate(handoff: HandoffOut, languages: Sequence[str]) -> list[MessageOut]:
    return [
        m
        for m in handoff.messages or []
        if not m.private and m.role in TRANSLATED_ROLES and needs_translation(m.language or handoff.language, languages)
    ]


def translate_transcript(
    ctx: ServiceContext, translator: Translator, handoff: HandoffOut, languages: Sequence[str]
) -> HandoffOut:
    """Fill ``translation`` on the messages the agent cannot read (stored ones first, then one call per language)."""
    if not translator.enabled or not languages:
        return handoff
    target = agent_language(languages)
    wanted = _to_translate(handoff, languages)
    if not wanted:
        return handoff
    with ctx.sessions() as session:
        rows = {m.id: m for m in session.scalars(select(Message).where(Message.id.in_([m.id for m in wanted])))}
        by_source: dict[str, list[MessageOut]] = {}
        for message in wanted:
            stored = (rows[message.id].translations or {}).get(target)
            if isinstance(stored, dict) and isinstance(stored.get("text"), str):
                message.translation = MessageTranslation(
                    language=target, text=stored["text"], provider=str(stored.get("provider", ""))
                )
            else:
                by_source.setdefault(message.language or handoff.language, []).append(message)
        for source, messages in by_source.items():
            results = translator.translate([m.text for m in messages], source, target)
            for message, result in zip(messages, results, strict=True):
                message.translation = MessageTranslation(
                    language=target, text=result.text, provider=result.provider, failed=result.failed
                )
                if not result.failed:
                    row = rows[message.id]
                    # A new dict, so that the JSON column is seen as changed.
                    row.translations = {
                        **(row.translations or {}),
                        target: {"text": result.text, "provider": result.provider},
                    }
        session.commit()
    return handoff


def preview_reply(
    ctx: ServiceContext, translator: Translator, caller: Principal, handoff_id: str, text: str
) -> TranslatePreviewOut:
    """What the customer would receive for ``text`` written in the agent's language; nothing is stored or sent."""
    with ctx.sessions() as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            raise NotFoundError("handoff", handoff_id)
        require_visible(caller, handoff)
        agent = session.get(Agent, caller.agent_id) if caller.agent_id else None
        languages = list(agent.languages) if agent is not None else []
        target = handoff.language
    source = agent_language(languages)
    if not needs_translation(target, languages):
        return TranslatePreviewOut(
            translated=text, source_language=source, target_language=target, provider="none", needed=False, failed=False
        )
    result = translator.translate([text], source, target)[0]
    return TranslatePreviewOut(
        translated=result.text,
        source_language=source,
        target_language=target,
        provider=result.provider,
        needed=True,
        failed=result.failed,
    )
