"""Stand-ins for the stores that export and erasure reach besides the handoff database: Rasa's internal
``/nimbus/...`` endpoints and the action server's ``/privacy/...`` endpoints, answered through ``httpx.MockTransport``
with the credentials each real one requires."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx
import jwt

from handoff.settings import Settings

ACTIONS_URL = "http://actions.test:5055"
ACTIONS_TOKEN = "test-action-server-token"


@dataclass
class StoresStandIn:
    """Rasa (trackers by conversation id) and the action server (outbox by conversation id) in memory.

    ``down`` holds the names of stores (``rasa``, ``actions``) that answer 503; ``calls`` records every request.
    """

    jwt_secret: str
    trackers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    outbox: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    down: set[str] = field(default_factory=set)
    purged_older_than: list[int] = field(default_factory=list)
    calls: list[tuple[str, str, str]] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        """MockTransport handler for both hosts."""
        store = "actions" if request.url.host == "actions.test" else "rasa"
        self.calls.append((store, request.method, unquote(request.url.raw_path.decode())))
        if store in self.down:
            return httpx.Response(503, json={"error": "unavailable"})
        if store == "rasa":
            return self._rasa(request)
        return self._actions(request)

    def _rasa(self, request: httpx.Request) -> httpx.Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        try:
            payload = jwt.decode(token, self.jwt_secret, algorithms=["HS256"])
        except jwt.PyJWTError:
            return httpx.Response(401, json={"error": "bad token"})
        if payload.get("user", {}).get("role") != "admin":
            return httpx.Response(403, json={"error": "not admin"})
        path = unquote(request.url.raw_path.decode().split("?")[0])
        if path == "/nimbus/retention" and request.method == "POST":
            self.purged_older_than.append(json.loads(request.content)["older_than_seconds"])
            return httpx.Response(200, json={"purged": 2})
        prefix = "/nimbus/conversations/"
        if not path.startswith(prefix):
            return httpx.Response(404, json={"error": "no route"})
        rest = path.removeprefix(prefix)
        if request.method == "GET" and rest.endswith("/export"):
            conversation_id = rest.removesuffix("/export")
            events = self.trackers.get(conversation_id, [])
            return httpx.Response(200, json={"conversation_id": conversation_id, "events": events, "mailbox": []})
        if request.method == "DELETE":
            events = self.trackers.pop(rest, [])
            return httpx.Response(200, json={"conversation_id": rest, "tracker_events": len(events), "mailbox": 0})
        return httpx.Response(405, json={"error": "method"})

    def _actions(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != f"Bearer {ACTIONS_TOKEN}":
            return httpx.Response(401, json={"error": "bad token"})
        conversation_id = json.loads(request.content)["conversation_id"]
        path = request.url.path
        if path == "/privacy/export":
            pending = self.outbox.get(conversation_id, [])
            records = {"pending_handoff": [], "pending_message": pending}
            counts = {table: len(rows) for table, rows in records.items()}
            return httpx.Response(200, json={"conversation_id": conversation_id, "records": records, "counts": counts})
        if path == "/privacy/erase":
            erased = {"pending_handoff": 0, "pending_message": len(self.outbox.pop(conversation_id, []))}
            return httpx.Response(
                200, json={"conversation_id": conversation_id, "erased": erased, "total": sum(erased.values())}
            )
        return httpx.Response(404, json={"error": "no route"})


def privacy_settings(settings: Settings, **changes: Any) -> Settings:
    """The test settings with the action server configured (Rasa already is, by its JWT secret)."""
    return settings.model_copy(
        update={"action_server_url": ACTIONS_URL, "action_server_token": ACTIONS_TOKEN, **changes}
    )
