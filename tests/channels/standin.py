"""A local HTTP server standing in for the platforms' APIs (Graph API, LINE, Twilio): it records every call our
channels make, answers like the platform, and can be told to fail the next calls (429 with Retry-After, 503)."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Call:
    """One request our system sent to a platform."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int
    at: float

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict[str, str]:
        return {key: values[0] for key, values in urllib.parse.parse_qs(self.body.decode("utf-8")).items()}


@dataclass
class Failure:
    """An answer to give instead of success to the next call whose path starts with `prefix`."""

    prefix: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)


class StandIn:
    """The stand-in server; use as a context manager. `url` is its base URL."""

    def __init__(self, profiles: dict[str, dict[str, Any]] | None = None) -> None:
        self.calls: list[Call] = []
        self.failures: list[Failure] = []
        self.profiles = profiles or {}
        self.media: dict[str, bytes] = {}  # WhatsApp media ids and the bytes the Graph API hands over for them
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> StandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, prefix: str, status: int, times: int = 1, retry_after: str | None = None) -> None:
        """The next `times` calls under `prefix` get `status` (with `Retry-After` when given)."""
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        with self._lock:
            self.failures.extend(Failure(prefix, status, headers) for _ in range(times))

    def calls_to(self, prefix: str, where: Callable[[Call], bool] = lambda _: True) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.path.startswith(prefix) and where(call)]

    def wait_for(
        self, prefix: str, where: Callable[[Call], bool] = lambda _: True, count: int = 1, timeout: float = 20.0
    ) -> list[Call]:
        """The calls under `prefix` matching `where`, once there are at least `count` of them."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls_to(prefix, where)
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def _answer(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            failure = next((f for f in self.failures if path.startswith(f.prefix)), None)
            if failure is not None:
                self.failures.remove(failure)
                return failure.status, failure.headers, {"error": {"message": "stand-in failure"}}
        if path.startswith("/line/v2/bot/profile/"):
            user = path.rsplit("/", 1)[-1]
            if user in self.profiles:
                return 200, {}, self.profiles[user]
            return 404, {}, {"message": "Not found"}
        if path.startswith("/twilio/"):
            form = {key: values[0] for key, values in urllib.parse.parse_qs(body.decode("utf-8")).items()}
            message = {
                "sid": f"SM{len(self.calls):032d}",
                "account_sid": path.split("/")[4],
                "status": "queued",
                "to": form.get("To"),
                "from": form.get("From"),
                "body": form.get("Body"),
                "num_media": "0",
                "num_segments": "1",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
            }
            return 201, {}, message
        media_id = path.rsplit("/", 1)[-1]
        content_id = path.removesuffix("/content").rsplit("/", 1)[-1]
        if method == "GET" and path.startswith("/line/v2/bot/message/") and content_id in self.media:
            return 200, {"Content-Type": "application/octet-stream"}, self.media[content_id]  # LINE message content
        if method == "GET" and path.startswith("/meta/") and media_id in self.media:
            # Graph API media lookup: a download URL on the same host, fetched with the same bearer token.
            url = f"{self.url}/meta-media/{media_id}"
            return 200, {}, {"messaging_product": "whatsapp", "url": url, "id": media_id}
        if method == "GET" and path.startswith(("/meta-media/", "/cdn/")) and media_id in self.media:
            return 200, {"Content-Type": "application/octet-stream"}, self.media[media_id]
        if path.startswith("/meta/"):
            return 200, {}, {"messaging_product": "whatsapp", "messages": [{"id": f"wamid.{len(self.calls)}"}]}
        return 200, {}, {}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, answer = standin._answer(self.command, self.path, body)
                call = Call(self.command, self.path, dict(self.headers.items()), body, status, time.monotonic())
                with standin._lock:
                    standin.calls.append(call)
                encoded = answer if isinstance(answer, bytes) else json.dumps(answer).encode("utf-8")
                self.send_response(status)
                for key, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(encoded)))
                self.end_headers()
                self.wfile.write(encoded)

            do_GET = _serve
            do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler
