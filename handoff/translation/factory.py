"""Builds the configured translator from the settings (at start-up, failing fast on an incomplete setting)."""

from __future__ import annotations

import httpx

from handoff.settings import Settings
from handoff.translation.cache import TranslationCache
from handoff.translation.deepl import DeepL
from handoff.translation.google import GoogleTranslate
from handoff.translation.libretranslate import LibreTranslate
from handoff.translation.provider import TranslationConfigError, TranslationProvider
from handoff.translation.service import Translator


def build_provider(settings: Settings, client: httpx.Client) -> TranslationProvider | None:
    """The adapter ``TRANSLATION_PROVIDER`` names (LibreTranslate when only ``TRANSLATION_URL`` is set), or None."""
    engine = settings.translation_engine
    if engine == "libretranslate":
        if not settings.translation_url:
            raise TranslationConfigError("TRANSLATION_PROVIDER=libretranslate needs TRANSLATION_URL")
        return LibreTranslate(client, settings.translation_url, settings.translation_api_key)
    if engine == "deepl":
        if not settings.deepl_api_key:
            raise TranslationConfigError("TRANSLATION_PROVIDER=deepl needs DEEPL_API_KEY")
        return DeepL(client, settings.deepl_api_key, settings.deepl_api_url)
    if engine == "google":
        if not settings.google_translate_project:
            raise TranslationConfigError("TRANSLATION_PROVIDER=google needs GOOGLE_TRANSLATE_PROJECT")
        if not (settings.google_translate_access_token or settings.google_translate_api_key):
            raise TranslationConfigError(
                "TRANSLATION_PROVIDER=google needs GOOGLE_TRANSLATE_ACCESS_TOKEN or GOOGLE_TRANSLATE_API_KEY"
            )
        return GoogleTranslate(
            client,
            settings.google_translate_project,
            access_token=settings.google_translate_access_token,
            api_key=settings.google_translate_api_key,
            url=settings.google_translate_url,
        )
    return None


def build_translator(settings: Settings, client: httpx.Client) -> Translator:
    """The translator of one process: the configured provider behind the cache."""
    return Translator(
        build_provider(settings, client),
        TranslationCache(settings.translation_cache_size),
        retry_seconds=settings.translation_retry_seconds,
    )
