"""A local stand-in for a company's CRM answering the handoff service's customer-data lookups.

It serves ``POST /customers/lookup`` exactly as :mod:`handoff.customers.http_provider` documents: it refuses a
missing or wrong bearer token (401), a wrong content type or a body that is not ``{"channel", "id"}`` (400) and
any identifier in the URL query (400), answers known customers from its table and others with 404, records every
call, and can be told to be slow (a timeout for the service) or to fail.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PATH = "/customers/lookup"


@dataclass(frozen=True)
class Call:
    """One request the service sent, and what the stand-in answered."""

    path: str
    headers: dict[str, str]
    body: Any
    answered: int


@dataclass
class CrmStandIn:
    """Use as a context manager; ``url`` is the lookup URL."""

    token: str = "crm-test-token"
    customers: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (channel, id) -> answer
    calls: list[Call] = field(default_factory=list)
    delay_seconds: float = 0.0
    fail_with: int | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{PATH}"

    def __enter__(self) -> CrmStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any]:
        if path != PATH:
            return (400, {"error": "identifiers never travel in the URL"}) if "?" in path else (404, {})
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"error": "bad token"}
        if not headers.get("content-type", "").startswith("application/json"):
            return 400, {"error": "JSON only"}
        try:
            body = json.loads(raw)
        except ValueError:
            return 400, {"error": "not JSON"}
        if (
            not isinstance(body, dict)
            or set(body) != {"channel", "id"}
            or not all(isinstance(v, str) and v for v in body.values())
        ):
            return 400, {"error": "expected exactly channel and id"}
        if self.fail_with is not None:
            return self.fail_with, {"error": "down"}
        found = self.customers.get((body["channel"], body["id"]))
        return (200, found) if found is not None else (404, {"error": "unknown customer"})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                if standin.delay_seconds:
                    time.sleep(standin.delay_seconds)
                status, answer = standin._answer(self.path, headers, raw)
                try:
                    body: Any = json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                with standin._lock:
                    standin.calls.append(Call(self.path, headers, body, status))
                payload = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (a timeout test)

            def log_message(self, format: str, *args: Any) -> None:
                """Silent: the tests read ``calls``."""

        return Handler
