"""The agent console: one static page that uses the public API and the WebSocket with the agent's token."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

router = APIRouter(tags=["console"])

CONSOLE_PAGE = Path(__file__).resolve().parent.parent / "console" / "index.html"


@router.get("/console", include_in_schema=False)
def console() -> FileResponse:
    """Serve the console page (it holds no data; every call it makes needs the agent's token)."""
    return FileResponse(CONSOLE_PAGE, media_type="text/html")
