"""A minimal HTTP/1.1 keep-alive client for the load bench: a fraction of httpx's CPU per request.

The clients share the service's two cores, so every millisecond a client spends is one the service does not get;
this one writes a request with one ``write`` and reads the answer by its ``Content-Length``, nothing more. It speaks
only what uvicorn answers here (no chunked bodies, no redirects, no TLS).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RawResponse:
    """Status and body of one answer."""

    status_code: int
    content: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.content)

    def raise_for_status(self) -> None:
        """Raise for a 4xx or 5xx answer, like httpx does."""
        if self.status_code >= 400:
            raise RuntimeError(f"HTTP {self.status_code}: {self.content[:200]!r}")


class RawClient:
    """A pool of keep-alive connections to one ``host:port``; at most ``size`` requests in flight."""

    def __init__(self, host: str, port: int, size: int) -> None:
        self._host, self._port = host, port
        self._idle: asyncio.LifoQueue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.LifoQueue()
        self._slots = asyncio.Semaphore(size)

    async def request(
        self, method: str, path: str, *, json_body: Any = None, headers: dict[str, str] | None = None
    ) -> RawResponse:
        """Send one request and read its whole answer (a closed idle connection is opened again once)."""
        body = json.dumps(json_body).encode() if json_body is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self._host}:{self._port}", f"Content-Length: {len(body)}"]
        if json_body is not None:
            lines.append("Content-Type: application/json")
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        payload = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        async with self._slots:
            for attempt in (1, 2):
                reused = not self._idle.empty()
                reader, writer = (
                    self._idle.get_nowait() if reused else await asyncio.open_connection(self._host, self._port)
                )
                try:
                    writer.write(payload)
                    response = await _read(reader)
                except (ConnectionError, asyncio.IncompleteReadError):
                    writer.close()
                    if reused and attempt == 1:
                        continue  # the server closed an idle connection: open a new one
                    raise
                self._idle.put_nowait((reader, writer))
                return response
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        """Close every idle connection."""
        while not self._idle.empty():
            _, writer = self._idle.get_nowait()
            writer.close()


async def _read(reader: asyncio.StreamReader) -> RawResponse:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in header_lines:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    content = await reader.readexactly(length) if length else b""
    return RawResponse(int(status_line.split(" ", 2)[1]), content)
