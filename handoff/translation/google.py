"""Google Cloud Translation v3 (REST): ``POST {url}/v3/projects/{project}/locations/global:translateText``.

Credentials go in headers only: an OAuth access token as ``Authorization: Bearer``, or an API key as
``X-Goog-Api-Key`` (Google accepts either header; a ``?key=`` in the URL would end up in access logs).
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from handoff.translation.provider import TranslationConfigError, TranslationError, expect_count, post_json

DEFAULT_URL = "https://translation.googleapis.com"


class GoogleTranslate:
    """Adapter for Cloud Translation - Advanced (v3) ``translateText``."""

    name = "google"

    def __init__(
        self,
        client: httpx.Client,
        project: str,
        *,
        access_token: str | None = None,
        api_key: str | None = None,
        url: str = DEFAULT_URL,
    ) -> None:
        if not access_token and not api_key:
            raise TranslationConfigError("Google Cloud Translation needs an access token or an API key")
        self._client = client
        self._url = f"{url.rstrip('/')}/v3/projects/{project}/locations/global:translateText"
        self._headers = (
            {"Authorization": f"Bearer {access_token}"} if access_token else {"X-Goog-Api-Key": str(api_key)}
        )

    def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
        """All texts in one call as plain text (the default MIME type, HTML, would re-encode ``<`` and ``&``)."""
        body: dict[str, object] = {"contents": list(texts), "targetLanguageCode": target, "mimeType": "text/plain"}
        if source:
            body["sourceLanguageCode"] = source
        answer = post_json(self._client, self.name, self._url, body, self._headers)
        items = answer.get("translations") if isinstance(answer, dict) else None
        if not isinstance(items, list):
            raise TranslationError(self.name, "answer without a translations list")
        translated = [
            item.get("translatedText", item.get("translated_text")) for item in items if isinstance(item, dict)
        ]
        if not all(isinstance(t, str) for t in translated):
            raise TranslationError(self.name, "a translation without translatedText")
        return expect_count(self.name, [str(t) for t in translated], texts)
