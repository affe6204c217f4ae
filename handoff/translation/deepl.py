"""DeepL API: ``POST {url}/v2/translate`` with ``Authorization: DeepL-Auth-Key <key>`` and a ``text`` list."""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from handoff.translation.provider import TranslationError, expect_count, post_json

FREE_URL = "https://api-free.deepl.com"
PRO_URL = "https://api.deepl.com"
# DeepL wants a regional variant for these target languages; the plain code is deprecated for them.
_TARGET_VARIANTS = {"en": "EN-US", "pt": "PT-BR"}


def default_url(api_key: str) -> str:
    """DeepL API Free keys end in ``:fx`` and are served by another host than Pro keys."""
    return FREE_URL if api_key.endswith(":fx") else PRO_URL


def target_code(language: str) -> str:
    """DeepL's upper-case target language code."""
    return _TARGET_VARIANTS.get(language, language.upper())


class DeepL:
    """Adapter for DeepL's v2 text translation; the key is sent in a header only."""

    name = "deepl"

    def __init__(self, client: httpx.Client, api_key: str, url: str | None = None) -> None:
        self._client = client
        self._url = (url or default_url(api_key)).rstrip("/") + "/v2/translate"
        self._headers = {"Authorization": f"DeepL-Auth-Key {api_key}"}

    def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
        """All texts in one call (DeepL accepts up to 50 per request; the service sends smaller batches)."""
        body: dict[str, object] = {"text": list(texts), "target_lang": target_code(target)}
        if source:
            body["source_lang"] = source.upper()
        answer = post_json(self._client, self.name, self._url, body, self._headers)
        items = answer.get("translations") if isinstance(answer, dict) else None
        if not isinstance(items, list):
            raise TranslationError(self.name, "answer without a translations list")
        translated = [item.get("text") for item in items if isinstance(item, dict)]
        if not all(isinstance(t, str) for t in translated):
            raise TranslationError(self.name, "a translation without text")
        return expect_count(self.name, [str(t) for t in translated], texts)
