"""A local stand-in for the translation vendors: LibreTranslate, DeepL and Google Cloud Translation v3.

It answers each vendor's own request format (``POST /translate``, ``POST /v2/translate``,
``POST /v3/projects/{project}/locations/global:translateText``), refuses a wrong credential the way the vendor
does (403/401), refuses a malformed request (400), records every call for the tests to check, and can be told to
fail or to be slow. Translations come from a canned table; an unknown text becomes ``[target] text``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from tests.stand_ins.json_server import Call, JsonStandIn

GOOGLE_PATH = re.compile(r"^/v3/projects/(?P<project>[^/]+)/locations/global:translateText$")


@dataclass
class TranslationStandIn(JsonStandIn):
    """Use as a context manager; ``url`` is its base URL (every vendor's paths are served on it)."""

    canned: dict[tuple[str, str], str] = field(default_factory=dict)  # (target, text) -> translation
    libre_api_key: str | None = None
    deepl_key: str = "deepl-test-key:fx"
    google_project: str = "nimbus-test"
    google_token: str = "google-test-token"
    google_api_key: str = "google-test-api-key"
    calls: list[Call] = field(default_factory=list)
    fail_with: int | None = None  # answer every call with this status
    delay_seconds: float = 0.0

    def __post_init__(self) -> None:
        self.start_server()

    @property
    def url(self) -> str:
        return self.base_url

    def translate(self, text: str, target: str) -> str:
        """The canned translation of ``text`` into ``target``."""
        return self.canned.get((target.lower(), text), f"[{target.lower()}] {text}")

    def texts_sent(self) -> list[str]:
        """Every text any call asked to translate."""
        sent: list[str] = []
        for call in self.recorded():
            if not isinstance(call.body, dict):
                continue
            for key in ("q", "text", "contents"):
                value = call.body.get(key)
                if isinstance(value, list):
                    sent += [str(v) for v in value]
                elif isinstance(value, str):
                    sent.append(value)
        return sent

    def answer(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        try:
            parsed = json.loads(raw.decode("utf-8")) if raw else {}
        except ValueError:
            parsed = {}
        body = parsed if isinstance(parsed, dict) else {}
        if self.fail_with is not None:
            return self.fail_with, {"error": "stand-in told to fail"}
        if path == "/translate":
            return self._libre(body)
        if path == "/v2/translate":
            return self._deepl(headers, body)
        match = GOOGLE_PATH.match(path)
        if match:
            return self._google(match.group("project"), headers, body)
        return 404, {"error": f"no such path {path}"}

    def _libre(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if set(body) - {"q", "source", "target", "format", "api_key"}:
            return 400, {"error": f"unexpected fields {sorted(set(body))}"}
        if self.libre_api_key is not None and body.get("api_key") != self.libre_api_key:
            return 403, {"error": "Invalid API key"}
        q, target = body.get("q"), body.get("target")
        if not isinstance(target, str) or not target or body.get("format") not in ("text", "html"):
            return 400, {"error": "Invalid request: missing target or format"}
        if isinstance(q, list):
            return 200, {"translatedText": [self.translate(str(t), target) for t in q]}
        if isinstance(q, str):
            return 200, {"translatedText": self.translate(q, target)}
        return 400, {"error": "Invalid request: missing q parameter"}

    def _deepl(self, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if headers.get("authorization") != f"DeepL-Auth-Key {self.deepl_key}":
            return 403, {"message": "Wrong endpoint or authentication key"}
        texts, target = body.get("text"), body.get("target_lang")
        if not isinstance(texts, list) or not isinstance(target, str) or target != target.upper():
            return 400, {"message": "Value for 'target_lang' not supported or 'text' is not a list"}
        source = body.get("source_lang")
        return 200, {
            "translations": [
                {"detected_source_language": source or "EN", "text": self.translate(str(t), target.split("-")[0])}
                for t in texts
            ]
        }

    def _google(self, project: str, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        authorised = headers.get("authorization") == f"Bearer {self.google_token}" or (
            headers.get("x-goog-api-key") == self.google_api_key
        )
        if not authorised:
            return 401, {"error": {"code": 401, "status": "UNAUTHENTICATED"}}
        if project != self.google_project:
            return 403, {"error": {"code": 403, "status": "PERMISSION_DENIED"}}
        contents, target = body.get("contents"), body.get("targetLanguageCode")
        if not isinstance(contents, list) or not isinstance(target, str):
            return 400, {"error": {"code": 400, "status": "INVALID_ARGUMENT"}}
        return 200, {"translations": [{"translatedText": self.translate(str(t), target)} for t in contents]}
