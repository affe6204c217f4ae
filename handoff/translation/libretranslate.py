"""LibreTranslate (self-hosted, open source): ``POST {url}/translate`` with ``q`` as a list of texts."""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from handoff.translation.provider import TranslationError, expect_count, post_json


class LibreTranslate:
    """Adapter for a LibreTranslate server; the optional API key travels in the JSON body, never the URL."""

    name = "libretranslate"

    def __init__(self, client: httpx.Client, url: str, api_key: str | None = None) -> None:
        self._client = client
        self._url = url.rstrip("/") + "/translate"
        self._api_key = api_key

    def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
        """All texts in one call; LibreTranslate answers ``translatedText`` as a list when ``q`` is one."""
        body: dict[str, object] = {"q": list(texts), "source": source or "auto", "target": target, "format": "text"}
        if self._api_key:
            body["api_key"] = self._api_key
        answer = post_json(self._client, self.name, self._url, body, {})
        translated = answer.get("translatedText") if isinstance(answer, dict) else None
        if not isinstance(translated, list) or not all(isinstance(t, str) for t in translated):
            raise TranslationError(self.name, "answer without a translatedText list")
        return expect_count(self.name, translated, texts)
