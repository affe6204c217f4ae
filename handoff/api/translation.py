"""Translation for agents: preview a reply in the customer's language before sending it."""

from __future__ import annotations

from fastapi import APIRouter

from handoff.api.deps import AgentCaller, AgentOrManager, Context, Translation
from handoff.schemas import TranslatePreviewIn, TranslatePreviewOut, TranslationInfo
from handoff.translation.transcript import preview_reply

router = APIRouter(tags=["translation"])


@router.get("/translation", response_model=TranslationInfo)
def translation_info(caller: AgentOrManager, translator: Translation) -> TranslationInfo:
    """Whether machine translation is configured, and through which provider (the console asks once)."""
    return TranslationInfo(enabled=translator.enabled, provider=translator.provider_name)


@router.post("/handoffs/{handoff_id}/translate-preview", response_model=TranslatePreviewOut)
def translate_preview(
    handoff_id: str, body: TranslatePreviewIn, ctx: Context, caller: AgentCaller, translator: Translation
) -> TranslatePreviewOut:
    """The reply in the customer's language, to check and edit before sending it with its ``original_text``.

    Nothing is stored or sent. ``needed`` is false when the agent speaks the customer's language; ``failed`` is true
    (and ``translated`` is the text as written) when the provider could not translate it or none is configured.
    """
    return preview_reply(ctx, translator, caller, handoff_id, body.text)
