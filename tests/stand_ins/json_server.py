"""What every local stand-in for a JSON-over-HTTP vendor shares: a threaded server on a free port, a record of
every call, and the knobs to be slow or to fail. A stand-in says only how it answers (``answer``)."""

from __future__ import annotations

import json
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass(frozen=True)
class Call:
    """One request the service sent (its body parsed as JSON, else as text), and the status it got."""

    path: str
    headers: dict[str, str]
    body: Any
    answered: int


class JsonStandIn(ABC):
    """Serves ``POST`` on 127.0.0.1 while used as a context manager; ``base_url`` is where."""

    delay_seconds: float
    calls: list[Call]

    def start_server(self) -> None:
        """Create the server (call from ``__post_init__``); it serves from ``__enter__`` to ``__exit__``."""
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def recorded(self) -> list[Call]:
        """A copy of the calls so far (the server threads append to them)."""
        with self._lock:
            return list(self.calls)

    @abstractmethod
    def answer(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any]:
        """The status and JSON body for one request."""

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                if stand_in.delay_seconds:
                    time.sleep(stand_in.delay_seconds)
                status, answer = stand_in.answer(self.path, headers, raw)
                try:
                    body: Any = json.loads(raw) if raw else {}
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                with stand_in._lock:
                    stand_in.calls.append(Call(self.path, headers, body, status))
                payload = json.dumps(answer).encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up waiting (a timeout test)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the tests read ``calls``."""

        return Handler
