"""The pages people use, served by the handoff service: the agent console and the customer web chat.

Both are static files (no build step, nothing fetched at run time) plus two modules generated from the language
registry: the languages' names and directions, and the web chat's words. The console calls the public API and the
WebSocket with the agent's token; the web chat talks to Rasa's socket.io channel at ``HANDOFF_PUBLIC_RASA_URL``.
Every page is sent with a Content-Security-Policy that allows only our own scripts, so text that a customer or
an agent writes can never run as code even if it reached the page as HTML.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from handoff.customer_words import web_chat_words
from handoff.services.context import ServiceContext
from language_registry import codes, registry

router = APIRouter(tags=["pages"])

WEB_DIR = Path(__file__).resolve().parent.parent / "web"


def content_security_policy(rasa_url: str) -> str:
    """Our scripts and styles only; connections to this service and to Rasa (HTTP and WebSocket)."""
    parts = urlsplit(rasa_url)
    websocket_scheme = "wss" if parts.scheme == "https" else "ws"
    rasa_origins = f"{parts.scheme}://{parts.netloc} {websocket_scheme}://{parts.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
        f"connect-src 'self' ws: wss: {rasa_origins}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )


def _page(request: Request, name: str) -> FileResponse:
    context: ServiceContext = request.app.state.context
    return FileResponse(
        WEB_DIR / name / "index.html",
        media_type="text/html",
        headers={
            "Content-Security-Policy": content_security_policy(context.settings.web_chat_rasa_url),
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/console", include_in_schema=False)
def console(request: Request) -> FileResponse:
    """The agent console (it holds no data; every call it makes needs the agent's token)."""
    return _page(request, "console")


@router.get("/chat", include_in_schema=False)
def web_chat(request: Request) -> FileResponse:
    """The customer web chat."""
    return _page(request, "chat")


@router.get("/chat/config.json", include_in_schema=False)
def web_chat_config(request: Request) -> JSONResponse:
    """Where the web chat connects, and the languages it offers."""
    context: ServiceContext = request.app.state.context
    return JSONResponse({"rasa_url": context.settings.web_chat_rasa_url, "languages": list(codes())})


def _module(exports: dict[str, object]) -> Response:
    """An ES module exporting ``exports`` as constants (JSON is valid JavaScript)."""
    body = "".join(
        f"export const {name} = {json.dumps(value, ensure_ascii=False)};\n" for name, value in exports.items()
    )
    return Response(body, media_type="text/javascript", headers={"Cache-Control": "no-cache"})


@router.get("/static/common/registry.js", include_in_schema=False)
def language_module() -> Response:
    """The language registry as the pages need it: each language's own name and writing direction."""
    languages = {item.code: {"native": item.native, "direction": item.direction} for item in registry().languages}
    return _module({"REGISTRY": languages})


@router.get("/static/chat/strings.js", include_in_schema=False)
def web_chat_strings() -> Response:
    """The web chat's words per language (handoff/strings/<code>.yml), and its words about files."""
    words = web_chat_words()
    file_keys = ("attach", "tooLarge", "failed")
    return _module(
        {
            "STRINGS": {code: {k: v for k, v in item.items() if k not in file_keys} for code, item in words.items()},
            "FILE_WORDS": {code: {k: item[k] for k in file_keys if k in item} for code, item in words.items()},
        }
    )
